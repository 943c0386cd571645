import type { JobsOptions } from 'bullmq';

/** The one queue every task runs on; a job's id is its task's id. */
export const TASK_QUEUE = 'tasks';
export const RUN_TASK_JOB = 'run-task';

export interface RunTaskJobData {
  taskId: string;
}

/**
 * Transient failures (a crashed thread, Redis hiccups) are retried with backoff; bad input
 * fails at once through UnrecoverableError. Finished jobs are kept a while for inspection only:
 * the task read model is the record users see.
 */
export const TASK_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10000 },
};
