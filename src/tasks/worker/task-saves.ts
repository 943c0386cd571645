/** One change of a running task, waiting for its turn to be saved. */
export interface TaskChange {
  /** Resolves when the change can be applied (a step's outputs are in storage); absent: at once. */
  ready?: Promise<unknown>;
  /** Changes the task (recording its events); answers hash fields to set on the asset with it. */
  apply(): Readonly<Record<string, string>> | void;
}

/**
 * A task's changes while it runs (progress, a step that ended, the end), applied in the order
 * they came and saved one save after another, so a later save never overtakes an earlier one.
 * Changes that pile up while a save is on its way (or while the first of them waits for its
 * outputs to be stored) go out together in the next save: one script with all their events,
 * fewer round trips, the same events in the same order.
 *
 * Callers that do not wait (progress, a step that ended) still learn of a failure: after the
 * first one nothing more is saved, and `settled()` rejects with it.
 */
export class TaskSaves {
  private readonly queue: TaskChange[] = [];
  private draining: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;

  /** `save` writes the task with its pending events, and the asset fields when there are any. */
  constructor(private readonly save: (assetFields: Record<string, string>) => Promise<unknown>) {}

  push(change: TaskChange): void {
    // A change waiting on storage must not become an unhandled rejection before its turn.
    change.ready?.catch(() => undefined);
    this.queue.push(change);
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  /** Resolves once every change pushed so far is saved; rejects with the first failure. */
  async settled(): Promise<void> {
    while (this.draining) await this.draining;
    if (this.failure) throw this.failure.error;
  }

  private async drain(): Promise<void> {
    try {
      // The changes reported in this turn of the event loop (a thread posts its progress in
      // bursts: all of them arrive in one turn) go out together: one save, not a first one alone.
      await new Promise((resolve) => setImmediate(resolve));
      while (this.queue.length > 0 && !this.failure) {
        await this.queue[0].ready;
        const batch = this.queue.splice(0);
        for (const change of batch) await change.ready;
        const fields: Record<string, string> = {};
        for (const change of batch) Object.assign(fields, change.apply());
        await this.save(fields);
      }
    } catch (error) {
      this.failure = { error };
      this.queue.length = 0;
    }
  }
}
