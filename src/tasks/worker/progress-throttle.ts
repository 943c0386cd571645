/**
 * Coalesces progress reports to at most `hz` a second (`hz` 0: none, every report goes out): the first goes out at once, later ones
 * within the interval collapse into the latest, sent when the interval ends. `stop()` drops a
 * pending one, so no progress trails a state change.
 */
export class ProgressThrottle<T> {
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private pending: T | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly intervalMs: number;

  constructor(
    hz: number,
    private readonly send: (value: T) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.intervalMs = hz > 0 ? 1000 / hz : 0;
  }

  report(value: T): void {
    if (this.intervalMs === 0) {
      this.send(value);
      return;
    }
    const wait = this.lastSentAt + this.intervalMs - this.now();
    if (wait <= 0 && !this.timer) {
      this.emit(value);
      return;
    }
    this.pending = value;
    this.timer ??= setTimeout(
      () => {
        this.timer = undefined;
        const latest = this.pending;
        this.pending = undefined;
        if (latest !== undefined) this.emit(latest);
      },
      Math.max(0, wait),
    );
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }

  private emit(value: T): void {
    this.lastSentAt = this.now();
    this.send(value);
  }
}
