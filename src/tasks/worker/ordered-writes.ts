/**
 * A task's writes to Redis (saves, a step's outputs), run one after another in the order they
 * were asked for, each once the one before it finished, so a later save never overtakes an
 * earlier one. Callers that do not wait for their write (progress, a step that ended) still
 * learn of a failure: after the first one no later write runs, and `settled()` rejects with it.
 */
export class OrderedWrites {
  private tail: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;

  enqueue(write: () => Promise<unknown>): void {
    this.tail = this.tail.then(async () => {
      if (this.failure) return;
      try {
        await write();
      } catch (error) {
        this.failure = { error };
      }
    });
  }

  /** Resolves once every write asked for so far has run; rejects with the first failure. */
  async settled(): Promise<void> {
    await this.tail;
    if (this.failure) throw this.failure.error;
  }
}
