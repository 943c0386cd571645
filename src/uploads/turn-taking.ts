/**
 * Hands out turns `perTurn` at a time, one batch per turn of the event loop (`setImmediate`), so
 * that a hundred requests that became ready together do not all run their synchronous part in
 * one turn while every other request waits for that turn to end. Nothing is held: a caller that
 * got its turn goes on, and the next batch is handed out in the next turn.
 */
export class TurnTaking {
  private readonly waiting: (() => void)[] = [];
  private scheduled = false;

  constructor(private readonly perTurn: number) {
    if (!Number.isInteger(perTurn) || perTurn < 1)
      throw new RangeError(`A turn needs at least one caller, got ${perTurn}.`);
  }

  /** Resolves in a later turn of the event loop, at most `perTurn` callers in the same one. */
  turn(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      for (const resolve of this.waiting.splice(0, this.perTurn)) resolve();
      if (this.waiting.length > 0) this.schedule();
    });
  }
}
