import { Logger } from '@nestjs/common';

/**
 * One log for the errors of every Redis connection of a process (ours and BullMQ's). While Redis
 * is away each connection reports every reconnect attempt; this logs the first error, then at
 * most one line per interval with how many it held back, and nothing once the process is
 * closing its connections on purpose. Listening here is also what keeps ioredis from printing
 * "Unhandled error event".
 */
export class RedisErrorLog {
  private readonly logger = new Logger('Redis');
  private lastLoggedAt = -Infinity;
  private heldBack = 0;
  private silenced = false;
  private failing = false;

  constructor(
    private readonly where: string,
    private readonly intervalMs = 30_000,
  ) {}

  /** For `on('error', …)`: bound, so it can be handed over as is. */
  readonly report = (error: Error): void => {
    if (this.silenced) return;
    this.failing = true;
    const now = Date.now();
    if (now - this.lastLoggedAt < this.intervalMs) {
      this.heldBack += 1;
      return;
    }
    const more = this.heldBack > 0 ? ` (${this.heldBack} more errors since the last line)` : '';
    this.logger.error(`Redis at ${this.where}: ${error.message}; retrying${more}`);
    this.lastLoggedAt = now;
    this.heldBack = 0;
  };

  /** For `on('ready', …)`: says so once when Redis answers again after errors. */
  readonly recovered = (): void => {
    if (!this.failing || this.silenced) return;
    this.failing = false;
    this.lastLoggedAt = -Infinity;
    this.heldBack = 0;
    this.logger.log(`Redis at ${this.where} answers again`);
  };

  /** From now on errors are expected (the process is closing its connections). */
  silence(): void {
    this.silenced = true;
  }
}

/** The URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(unparsable URL)';
  }
}
