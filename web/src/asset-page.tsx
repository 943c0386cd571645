import { useEffect } from 'react';
import type { BoardState, BoardStore } from './board-store';
import { describeTaskError } from './error-words';
import { formatBytes, stateWords } from './format';
import { MapViewer } from './map-viewer';
import { MetadataTables } from './metadata-tables';
import { ModelViewer } from './model-viewer';
import { ProgressBar } from './progress-bar';
import { TaskActions } from './task-actions';

/** Outputs shown in the 2D viewer: every image but the animated turntable (the card plays it). */
const MAP_TYPES = /^image\/(png|jpeg|webp|avif|gif)$/;

/**
 * One asset: its task (live, with cancel and retry), the 3D model or the 2D maps, every output to
 * download, its source files and what inspection found, as tables.
 */
export function AssetPage(props: { store: BoardStore; state: BoardState; assetId: string }) {
  const { store, state, assetId } = props;
  const asset = state.assets.find((candidate) => candidate.id === assetId);
  const task = state.taskOf[assetId];

  // Fresh outputs and metadata whenever the page opens (the list may be older).
  useEffect(() => void store.refreshAsset(assetId), [store, assetId]);

  if (!asset) {
    return (
      <p className="muted">
        {state.loaded ? 'This asset does not exist, or it is not yours.' : 'Loading…'}{' '}
        <a href="#/">Back to all assets</a>
      </p>
    );
  }
  const model = asset.outputs.find((output) => output.name === 'model.web.glb');
  // A model shows in 3D (its thumbnail is on its card); other kinds' images in the 2D viewer.
  const maps = model
    ? []
    : asset.outputs.filter(
        (output) => MAP_TYPES.test(output.contentType) && output.name !== 'turntable.webp',
      );
  const active = task && (task.state === 'queued' || task.state === 'running');

  return (
    <article className="asset-page" data-testid="asset-page" data-asset-id={asset.id}>
      <p>
        <a href="#/">← All assets</a>
      </p>
      <h2>
        {asset.filename} <span className="badge">{asset.kind}</span>
      </h2>
      <p className="muted">
        {asset.format && `${asset.format.toUpperCase()} · `}
        {formatBytes(asset.bytes)} · uploaded {new Date(asset.createdAt).toLocaleString()}
      </p>

      {task && (
        <section className="task-panel" data-testid="task-panel" data-state={task.state}>
          {active ? (
            <ProgressBar value={task.progress} label={stateWords(task.state, task.step)} />
          ) : (
            <p className={`task-state ${task.state}`}>
              {stateWords(task.state, task.step)}
              {task.attempts > 1 && ` (attempt ${task.attempts})`}
            </p>
          )}
          {task.state === 'failed' && task.error && (
            <p className="error" role="alert">
              {describeTaskError(task.error)}
            </p>
          )}
          <TaskActions task={task} store={store} />
        </section>
      )}

      {model && (
        <section>
          <h3>3D view</h3>
          <ModelViewer
            // Keyed by the file, not its signature: a fresh signed URL does not reload the model.
            key={`${model.url}:${model.bytes}`}
            url={store.kiln.url(model.signedUrl)}
            onError={() => void store.refreshAsset(asset.id)}
          />
          <p className="muted">Drag to turn, wheel to zoom, right-drag to pan.</p>
        </section>
      )}
      {maps.length > 0 && (
        <section>
          <h3>{asset.kind === 'texture-set' ? 'Maps' : 'Images'}</h3>
          <MapViewer maps={maps} resolve={(url) => store.kiln.url(url)} />
        </section>
      )}

      <section>
        <h3>Downloads</h3>
        {asset.outputs.length === 0 ? (
          <p className="muted">No outputs yet.</p>
        ) : (
          <table className="rows" data-testid="downloads">
            <thead>
              <tr>
                <th>File</th>
                <th>Type</th>
                <th>Size</th>
              </tr>
            </thead>
            <tbody>
              {asset.outputs.map((output) => (
                <tr key={output.name}>
                  <td>
                    <a href={store.kiln.url(output.signedUrl)} download={output.name}>
                      {output.name}
                    </a>
                  </td>
                  <td>{output.contentType}</td>
                  <td>{formatBytes(output.bytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      {asset.files.length > 0 && (
        <section>
          <h3>Source files</h3>
          <table className="rows">
            <tbody>
              {asset.files.map((file) => (
                <tr key={file.path}>
                  <td>
                    {file.path}
                    {file.path === asset.primary && <span className="badge">primary</span>}
                  </td>
                  <td>{file.contentType}</td>
                  <td>{formatBytes(file.bytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}

      <section>
        <h2>What Kiln found</h2>
        {Object.keys(asset.metadata).length === 0 ? (
          <p className="muted">Nothing yet: inspection has not finished.</p>
        ) : (
          <MetadataTables metadata={asset.metadata} />
        )}
      </section>
    </article>
  );
}
