import { KilnClient } from '@kiln/client';
import { type FormEvent, useState } from 'react';
import { describeError } from './error-words';
import type { SavedSession } from './session-storage';

/** Sign in, or create an account and sign in with it. */
export function LoginPage(props: {
  baseUrl: string;
  notice?: string;
  onSignedIn: (saved: SavedSession) => void;
}) {
  const [mode, setMode] = useState<'login' | 'register'>('login');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const credentials = { username, password };
      const kiln =
        mode === 'login'
          ? await KilnClient.login(props.baseUrl, credentials)
          : await KilnClient.register(props.baseUrl, credentials);
      // The board opens its own connection with this session.
      kiln.close();
      props.onSignedIn({ username, session: kiln.session });
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="login">
      <form className="panel" onSubmit={(event) => void submit(event)}>
        <h1>Kiln</h1>
        <p className="muted">
          Upload 3D models, images, texture sets and Substance files; watch them being processed.
        </p>
        {props.notice && <p className="notice">{props.notice}</p>}
        <label>
          Username
          <input
            name="username"
            autoComplete="username"
            value={username}
            onChange={(event) => setUsername(event.target.value)}
            required
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            required
          />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {mode === 'login' ? 'Sign in' : 'Create account'}
        </button>
        <button
          type="button"
          className="link"
          onClick={() => {
            setMode(mode === 'login' ? 'register' : 'login');
            setError(undefined);
          }}
        >
          {mode === 'login' ? 'No account yet? Create one' : 'Have an account? Sign in'}
        </button>
      </form>
    </div>
  );
}
