import type { AssetOutputView } from './assets.contract';

/**
 * Every step a pipeline can have; each is also a task type of its own (`POST /assets/:id/tasks`).
 * `bench` is in no pipeline: it does no work and reports `events` progress ticks, to measure
 * Kiln's own task and event path; refused with `BENCH_STEPS_DISABLED` unless `KILN_BENCH_STEPS=1`.
 */
export const STEP_NAMES = [
  'inspect',
  'convert',
  'optimize',
  'render',
  'pack',
  'variants',
  'bench',
] as const;
export type StepName = (typeof STEP_NAMES)[number];

/** `process` runs the asset kind's whole pipeline; a step name runs that step alone. */
export const TASK_TYPES = ['process', ...STEP_NAMES] as const;
export type TaskType = (typeof TASK_TYPES)[number];

/** `queued → running → succeeded | failed | cancelled`; `running → queued` on a retry. */
export const TASK_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** States a task never leaves. */
export const FINAL_TASK_STATES = [
  'succeeded',
  'failed',
  'cancelled',
] as const satisfies readonly TaskState[];

export interface TaskErrorInfo {
  /** Stable, one of `TASK_ERROR_CODES`, e.g. `IMAGE_CORRUPT`, `STEP_TIMEOUT`. */
  code: string;
  /** What happened and what to do about it, for a person. */
  message: string;
}

/** A task as `GET /tasks/:id` shows it. */
export interface TaskView {
  id: string;
  assetId: string;
  type: TaskType;
  state: TaskState;
  /** Whole-task progress, 0-100. */
  progress: number;
  /** The step that last moved; a finished task's last step. */
  step: StepName | null;
  /** How many times the task has started running. */
  attempts: number;
  error?: TaskErrorInfo;
  /** Names of the outputs this task left on its asset so far. */
  outputs: string[];
  /** Those outputs as the asset lists them, with their download and signed URLs. */
  outputFiles: AssetOutputView[];
  createdAt: string;
  updatedAt: string;
}

/** The answer of `POST /assets/:id/tasks`. */
export interface TaskCreatedView {
  taskId: string;
}
