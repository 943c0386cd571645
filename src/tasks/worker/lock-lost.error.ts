/**
 * The reason a running task is aborted when its worker could not renew the BullMQ job lock
 * (Redis was away longer than the lock duration, or the lock was taken away): the stalled check
 * hands such a job to another worker, which records the lost attempt (`WORKER_LOST`) and runs it
 * again. This run stops and writes nothing more, so the two runs never both write the task.
 */
export class LockLostError extends Error {
  constructor(readonly jobId: string) {
    super(`The lock of job ${jobId} was lost; another worker runs its task now`);
    this.name = 'LockLostError';
  }
}
