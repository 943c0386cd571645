import type { Task } from '@kiln/client';
import { useState } from 'react';
import type { BoardStore } from './board-store';

/** Cancel while a task is queued or running; retry once it failed or was cancelled. */
export function TaskActions(props: { task: Task; store: BoardStore }) {
  const { task, store } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const action =
    task.state === 'queued' || task.state === 'running'
      ? 'cancel'
      : task.state === 'failed' || task.state === 'cancelled'
        ? 'retry'
        : undefined;
  if (!action && !error) return null;

  const run = async (what: 'cancel' | 'retry') => {
    setBusy(true);
    setError(await store.act(what, task.id));
    setBusy(false);
  };
  return (
    <div className="actions">
      {action && (
        <button
          type="button"
          className={action === 'cancel' ? 'quiet' : ''}
          disabled={busy}
          onClick={() => void run(action)}
        >
          {action === 'cancel' ? 'Cancel' : 'Retry'}
        </button>
      )}
      {error && <p className="error">{error}</p>}
    </div>
  );
}
