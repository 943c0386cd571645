import { AssetCard, UploadCard } from './asset-card';
import type { BoardState, BoardStore } from './board-store';
import { DropZone } from './drop-zone';

/** The drop zone and a card per upload under way and per asset, newest first. */
export function BoardPage(props: { store: BoardStore; state: BoardState }) {
  const { store, state } = props;
  return (
    <>
      <DropZone onFiles={(files) => void store.upload(files)} />
      <section className="cards" data-testid="cards">
        {state.uploads.map((upload) => (
          <UploadCard
            key={upload.key}
            upload={upload}
            onDismiss={() => store.dismissUpload(upload.key)}
          />
        ))}
        {state.assets.map((asset) => (
          <AssetCard key={asset.id} asset={asset} task={state.taskOf[asset.id]} store={store} />
        ))}
      </section>
      {state.loaded && state.assets.length === 0 && state.uploads.length === 0 && (
        <p className="muted empty-note">Nothing here yet: drop a file above to start.</p>
      )}
    </>
  );
}
