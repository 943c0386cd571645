/**
 * Runs at most `slots` jobs at once; the others wait their turn in arrival order. A job that
 * throws frees its slot like one that returns.
 */
export class ConcurrencyGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly slots: number) {
    if (!Number.isInteger(slots) || slots < 1)
      throw new RangeError(`A gate needs at least one slot, got ${slots}.`);
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running < this.slots) this.running++;
    // The slot is handed over by the job that ends, so `running` stays counted meanwhile.
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Jobs waiting for a slot (not counting the running ones). */
  get queued(): number {
    return this.waiting.length;
  }
}
