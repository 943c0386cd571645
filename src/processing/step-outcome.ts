import type { MessagePort } from 'node:worker_threads';
import { ProcessingError } from './processing.error';
import type { PipelineRequest, StepResult } from './step.types';

/**
 * What the pool posts to a thread: the steps to run, and the port their progress goes back on,
 * as `[stepIndex, fraction]` pairs.
 */
export interface StepTask {
  request: PipelineRequest;
  progressPort: MessagePort;
}

export type ProgressMessage = [stepIndex: number, fraction: number];

export interface StepFailure {
  code: string;
  message: string;
  retryable: boolean;
}

/**
 * What a thread answers. Errors cross the thread boundary as plain data, because a thrown
 * `ProcessingError` would arrive as a bare `Error` without its `code` and `retryable`.
 */
/** `result` holds every step's outputs, and their metadata merged. */
export type StepOutcome = { ok: true; result: StepResult } | { ok: false; error: StepFailure };

/** A step failed on something other than its input (a bug, a missing file, a dead thread): retried. */
export const STEP_CRASHED = 'STEP_CRASHED';

/** A `ProcessingError` keeps its code; anything else is a crash. */
export function toStepFailure(error: unknown, step: string): StepFailure {
  if (error instanceof ProcessingError)
    return { code: error.code, message: error.message, retryable: error.retryable };
  return {
    code: STEP_CRASHED,
    message: `The ${step} step stopped on an unexpected error: ${errorMessage(error)}`,
    retryable: true,
  };
}

/** An error's message, also for errors from another realm (where `instanceof Error` fails). */
export function errorMessage(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}
