import type { TaskErrorInfo } from '../../contract';

/**
 * The reason a running task is aborted when its worker stops and the shutdown grace
 * (`KILN_SHUTDOWN_GRACE_MS`) has run out. Not the task's fault: it goes back to the queue with
 * its BullMQ attempts untouched, for another worker.
 */
export class WorkerStoppedError extends Error {
  readonly info: TaskErrorInfo = {
    code: 'WORKER_STOPPED',
    message:
      'The worker running this task was stopped before the task finished; it runs again on another worker.',
  };

  constructor() {
    super('The worker is stopping and its shutdown grace ran out');
    this.name = 'WorkerStoppedError';
  }
}
