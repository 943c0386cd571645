/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return --
   Plain JavaScript run by node without a compile step: socket payloads are untyped. */
// What the load generator's sockets received, and the audit of it: latency of every event
// (its `at`, when the step reported it, → receipt), every task's K ticks exactly once and its end
// after them, no event of another session's task, each session's event ids increasing.

/** Epoch ms with µs precision (performance's clock, on the same machine as the server's). */
export const nowMs = () => performance.timeOrigin + performance.now();

export class EventAudit {
  /**
   * @param {number} k progress ticks per task; @param {number} expectedTasks
   * @param {number} [slowMs] when set, events slower than this are kept in `slow` (for --stalls)
   */
  constructor(k, expectedTasks, slowMs) {
    this.k = k;
    this.slowMs = slowMs;
    this.slow = [];
    this.expectedTasks = expectedTasks;
    this.latencies = [];
    this.logs = []; // per session index: [taskId, name, progress, eventId, receivedAt]
    this.owners = new Map(); // taskId → { session, submittedAt }
    this.succeeded = 0;
    this.delivered = 0;
    this.firstAt = Infinity;
    this.lastSucceededAt = 0;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  /** Records every event `socket` gets for session `index`. */
  attach(socket, index) {
    const log = (this.logs[index] = []);
    socket.onAny((name, payload) => {
      const at = nowMs();
      this.delivered++;
      const sent = typeof payload.at === 'number' ? payload.at : Date.parse(payload.at);
      if (name === 'task.progress' || name === 'task.succeeded') {
        this.latencies.push(at - sent);
        if (this.slowMs !== undefined && at - sent > this.slowMs)
          this.slow.push({ sentAt: sent, receivedAt: at, name, taskId: payload.taskId });
      }
      log.push([payload.taskId, name, payload.progress, payload.eventId, at]);
      if (name === 'task.succeeded') {
        this.lastSucceededAt = at;
        if (++this.succeeded === this.expectedTasks) this.resolveDone();
      }
    });
  }

  submitted(taskId, session, submittedAt) {
    this.owners.set(taskId, { session, submittedAt });
    this.firstAt = Math.min(this.firstAt, submittedAt);
  }

  /** Waits for every task's end, or `timeoutMs`; then `graceMs` for strays (duplicates, leaks). */
  async settle(timeoutMs, graceMs = 300) {
    let timer;
    const outcome = await Promise.race([
      this.done.then(() => 'ok'),
      new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs))),
    ]);
    clearTimeout(timer);
    await new Promise((resolve) => setTimeout(resolve, graceMs));
    return outcome;
  }

  /** The audit: counts that must all be 0, and per-task request → end times. */
  audit() {
    const k = this.k;
    const tasks = new Map();
    for (const taskId of this.owners.keys())
      tasks.set(taskId, { ticks: new Uint16Array(k), done: 0, lastProgress: -1, doneAt: 0 });
    let wrongSession = 0;
    let outOfOrder = 0;
    let unknown = 0;
    for (const [session, log] of this.logs.entries()) {
      let lastId;
      for (const [taskId, name, progress, eventId, at] of log ?? []) {
        const owner = this.owners.get(taskId);
        if (!owner) {
          unknown++;
          continue;
        }
        if (owner.session !== session) {
          wrongSession++;
          continue;
        }
        if (eventId !== undefined) {
          if (lastId !== undefined && compareIds(eventId, lastId) <= 0) outOfOrder++;
          lastId = eventId;
        }
        const task = tasks.get(taskId);
        if (name === 'task.progress') {
          const tick = Math.round((progress * k) / 100) - 1;
          if (tick >= 0 && tick < k) task.ticks[tick]++;
          if (progress < task.lastProgress || task.done > 0) outOfOrder++;
          task.lastProgress = progress;
        } else if (name === 'task.succeeded') {
          task.done++;
          task.doneAt ||= at;
        }
      }
    }
    let missing = 0;
    let duplicated = 0;
    let endsMissing = 0;
    const requestToEndMs = [];
    for (const [taskId, task] of tasks) {
      for (const count of task.ticks) {
        if (count === 0) missing++;
        else duplicated += count - 1;
      }
      if (task.done === 0) endsMissing++;
      else {
        duplicated += task.done - 1;
        requestToEndMs.push(task.doneAt - this.owners.get(taskId).submittedAt);
      }
    }
    return {
      wrongSession,
      missing,
      duplicated,
      endsMissing,
      outOfOrder,
      unknownTask: unknown,
      requestToEndMs,
    };
  }
}

function compareIds(a, b) {
  const [aMs, aSeq = 0] = a.split('-').map(Number);
  const [bMs, bSeq = 0] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}
