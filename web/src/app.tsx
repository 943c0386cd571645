import { KilnClient } from '@kiln/client';
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import { AssetPage } from './asset-page';
import { BoardPage } from './board-page';
import { BoardStore } from './board-store';
import { ConnectionBanner } from './connection-banner';
import { useRoute } from './hash-route';
import { LoginPage } from './login-page';
import { loadSession, type SavedSession, saveSession } from './session-storage';

/** The API is the dashboard's own origin (`npm start`), or proxied to it (`npm run dev`). */
const BASE_URL = window.location.origin;

export function App() {
  const [saved, setSaved] = useState<SavedSession | undefined>(loadSession);
  const [notice, setNotice] = useState<string>();
  const [store, setStore] = useState<BoardStore>();

  const signOut = useCallback((why?: string) => {
    saveSession(undefined);
    setSaved(undefined);
    setNotice(why);
  }, []);

  useEffect(() => {
    if (!saved) return;
    const kiln = KilnClient.resume(BASE_URL, saved.session);
    const next = new BoardStore(kiln, () => signOut('Your session has ended. Sign in again.'));
    next.start();
    setStore(next);
    return () => {
      next.stop();
      setStore(undefined);
    };
  }, [saved, signOut]);

  if (!saved) {
    return (
      <LoginPage
        baseUrl={BASE_URL}
        notice={notice}
        onSignedIn={(signedIn) => {
          saveSession(signedIn);
          setNotice(undefined);
          setSaved(signedIn);
        }}
      />
    );
  }
  if (!store) return null;
  return (
    <SignedIn
      store={store}
      username={saved.username}
      onLogout={() => {
        void store.kiln.logout().catch(() => undefined);
        signOut();
      }}
    />
  );
}

function SignedIn(props: { store: BoardStore; username: string; onLogout: () => void }) {
  const { store } = props;
  const state = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const route = useRoute();
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/">
          Kiln
        </a>
        <ConnectionBanner status={state.status} unreachable={state.unreachable} />
        <span className="who">{props.username}</span>
        <button type="button" className="quiet" onClick={props.onLogout}>
          Sign out
        </button>
      </header>
      <main>
        {route.page === 'asset' ? (
          <AssetPage store={store} state={state} assetId={route.assetId} />
        ) : (
          <BoardPage store={store} state={state} />
        )}
      </main>
    </div>
  );
}
