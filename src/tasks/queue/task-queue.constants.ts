import type { JobsOptions, WorkerOptions } from 'bullmq';
import { hostname } from 'node:os';

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

/** Who asked for a task: an upload (someone is waiting for it) or a re-run of an asset's steps. */
export type TaskOrigin = 'upload' | 'rerun';

/**
 * BullMQ job priority by origin (lower runs first), so a backlog of re-runs cannot starve
 * uploads. Every job has one: BullMQ takes jobs without a priority before all prioritized ones.
 * Within one priority jobs run in the order they were added.
 */
export const TASK_JOB_PRIORITY: Readonly<Record<TaskOrigin, number>> = { upload: 1, rerun: 2 };

/**
 * A worker renews its jobs' locks every lockDuration / 2; a job whose lock has expired is
 * found by the next stalled check and handed to another worker. So a killed worker's task runs
 * again 4 to 12 s after the kill (BullMQ's defaults, 30 s + 30 s, took up to a minute). The
 * steps run on worker threads, so the event loop is free to renew locks under full load.
 */
export const TASK_WORKER_OPTIONS: Pick<WorkerOptions, 'lockDuration' | 'stalledInterval' | 'name'> =
  {
    lockDuration: 8_000,
    stalledInterval: 4_000,
    name: taskWorkerName(),
  };

/**
 * `<hostname>#<pid>`: BullMQ stores the name of the worker that took a job on it (`processedBy`),
 * so an operator (and a test) can tell which process ran which attempt.
 */
export function taskWorkerName(host = hostname(), pid = process.pid): string {
  return `${host}#${pid}`;
}
