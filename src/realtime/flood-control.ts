/**
 * Flood control: how far a socket may fall behind before it is cut. A socket that does not read
 * (a stalled tab, a slow link) leaves its events in the server's memory: once the kernel's
 * buffers are full, Engine.IO queues every further packet in the socket's `writeBuffer`, without
 * bound. No event may be dropped or merged, so the socket is disconnected instead, and its client
 * resumes from its `lastEventId` by replay (the session's stream holds every event).
 */

/** What a socket holds that its client has not taken yet, in events. */
export interface SocketBacklog {
  /** Packets Engine.IO queued because the connection has not flushed the previous ones. */
  readonly unsent: number;
  /** Live events the gateway holds back while the socket's replay is being sent. */
  readonly heldBack: number;
}

/** Whether the socket is too far behind to be sent more: it is to be disconnected. */
export function isTooFarBehind(backlog: SocketBacklog, maxBufferedEvents: number): boolean {
  return backlog.unsent + backlog.heldBack >= maxBufferedEvents;
}

/**
 * How many replayed events may wait to be sent before the replay waits for the connection to take
 * them: half the cap, so a long replay to a client that reads is paced rather than cut, and the
 * live events arriving meanwhile have the other half.
 */
export function replayWindow(maxBufferedEvents: number): number {
  return Math.max(1, Math.floor(maxBufferedEvents / 2));
}

/**
 * Rate-limits the warning about cut sockets: one line per cut socket, but at most `maxLines` in
 * any `intervalMs` window; the sockets cut past that are counted in the next line printed, so a
 * thousand stalled clients do not flood the log.
 */
export class CutSocketLog {
  private windowStart = Number.NEGATIVE_INFINITY;
  private linesInWindow = 0;
  private unreported = 0;

  constructor(
    private readonly maxLines: number,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Records one cut socket. Answers how many cut sockets the line to print now reports (this one
   * and those not reported yet), or undefined when no line is due.
   */
  record(): number | undefined {
    this.unreported += 1;
    const now = this.now();
    if (now >= this.windowStart + this.intervalMs) {
      this.windowStart = now;
      this.linesInWindow = 0;
    }
    if (this.linesInWindow >= this.maxLines) return undefined;
    this.linesInWindow += 1;
    const count = this.unreported;
    this.unreported = 0;
    return count;
  }
}
