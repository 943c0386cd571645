import type { Asset, Task } from '@kiln/client';
import { useState } from 'react';
import type { BoardStore, PendingUpload } from './board-store';
import { describeTaskError } from './error-words';
import { formatBytes, stateWords } from './format';
import { assetHref } from './hash-route';
import { ProgressBar } from './progress-bar';
import { TaskActions } from './task-actions';

/** A file being uploaded: its share of the request's bytes, or why the server refused it. */
export function UploadCard(props: { upload: PendingUpload; onDismiss: () => void }) {
  const { upload } = props;
  const percent = upload.total > 0 ? (100 * upload.loaded) / upload.total : 100;
  return (
    <article className="card" data-testid="upload-card" data-filename={upload.filename}>
      <div className="thumb empty">{upload.error ? '!' : '↑'}</div>
      <div className="card-body">
        <h3 title={upload.filename}>{upload.filename}</h3>
        <p className="muted">{formatBytes(upload.total)}</p>
        {upload.error ? (
          <>
            <p className="error" role="alert">
              {upload.error}
            </p>
            <button type="button" className="quiet" onClick={props.onDismiss}>
              Dismiss
            </button>
          </>
        ) : (
          <ProgressBar value={percent} label="Uploading" tone="upload" />
        )}
      </div>
    </article>
  );
}

/** An asset: its task's live progress and step, then its thumbnail (the turntable on hover). */
export function AssetCard(props: { asset: Asset; task?: Task; store: BoardStore }) {
  const { asset, task, store } = props;
  const [hover, setHover] = useState(false);
  const thumbnail = asset.outputs.find((output) => output.name === 'thumbnail.png');
  const turntable = asset.outputs.find((output) => output.name === 'turntable.webp');
  const shown = hover && turntable ? turntable : thumbnail;
  const active = task && (task.state === 'queued' || task.state === 'running');

  return (
    <article
      className={`card state-${task?.state ?? 'unknown'}`}
      data-testid="asset-card"
      data-asset-id={asset.id}
      data-filename={asset.filename}
      data-state={task?.state ?? ''}
      onMouseEnter={() => setHover(true)}
      onMouseLeave={() => setHover(false)}
    >
      <a className="thumb" href={assetHref(asset.id)} aria-label={`Open ${asset.filename}`}>
        {shown ? (
          <img
            src={store.kiln.url(shown.signedUrl)}
            alt={`${asset.filename}${shown === turntable ? ', turning' : ''}`}
            data-testid={shown === turntable ? 'turntable' : 'thumbnail'}
            // A signed URL expires (KILN_OUTPUT_URL_TTL): fetch fresh ones.
            onError={() => void store.refreshAsset(asset.id)}
          />
        ) : (
          <span className="kind-icon">{asset.kind}</span>
        )}
      </a>
      <div className="card-body">
        <h3 title={asset.filename}>
          <a href={assetHref(asset.id)}>{asset.filename}</a>
        </h3>
        <p className="muted">
          <span className="badge">{asset.kind}</span> {formatBytes(asset.bytes)}
        </p>
        {task && active && (
          <ProgressBar value={task.progress} label={stateWords(task.state, task.step)} />
        )}
        {task && !active && (
          <p className={`task-state ${task.state}`} data-testid="task-state">
            {stateWords(task.state, task.step)}
          </p>
        )}
        {task?.state === 'failed' && task.error && (
          <p className="error">{describeTaskError(task.error)}</p>
        )}
        {task && <TaskActions task={task} store={store} />}
      </div>
    </article>
  );
}
