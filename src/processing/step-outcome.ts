import type { MessagePort } from 'node:worker_threads';
import { ProcessingError } from './processing.error';
import type { FinishedStep, PipelineRequest, StepName } from './step.types';

/**
 * What the pool posts to a thread: the steps to run, and the port on which the thread reports
 * back while they run (`PipelineMessage`s).
 */
export interface StepTask {
  request: PipelineRequest;
  progressPort: MessagePort;
}

/**
 * What a thread posts while its steps run, in order: how far a step is, and each step's outputs
 * and metadata as it ends, so they are stored and recorded at once, whatever happens later.
 */
export type PipelineMessage =
  | { type: 'progress'; stepIndex: number; fraction: number; at: number }
  | ({ type: 'step-done'; stepIndex: number } & FinishedStep);

export interface StepFailure {
  code: string;
  message: string;
  retryable: boolean;
  /** The step that failed, when one did (not for a failure before any step ran). */
  step?: StepName;
}

/**
 * What a thread answers once its steps are over. Outputs went back step by step
 * (`PipelineMessage`); errors cross the thread boundary as plain data, because a thrown
 * `ProcessingError` would arrive as a bare `Error` without its `code` and `retryable`.
 */
export type StepOutcome = { ok: true } | { ok: false; error: StepFailure };

/** A step failed on something other than its input (a bug, a missing file, a dead thread): retried. */
export const STEP_CRASHED = 'STEP_CRASHED';

/** A step's failure with the step's name: steps of one call may run at once. */
export class StepFailedError extends Error {
  constructor(
    readonly step: StepName,
    readonly failure: unknown,
  ) {
    super(`The ${step} step failed: ${errorMessage(failure)}`);
    this.name = 'StepFailedError';
  }
}

/** A `ProcessingError` keeps its code; anything else is a crash. */
export function toStepFailure(error: unknown, step?: StepName): StepFailure {
  if (error instanceof StepFailedError) return toStepFailure(error.failure, error.step);
  const failedStep = step ?? (error instanceof ProcessingError ? error.step : undefined);
  const named = failedStep ? { step: failedStep } : {};
  if (error instanceof ProcessingError)
    return { code: error.code, message: error.message, retryable: error.retryable, ...named };
  return {
    code: STEP_CRASHED,
    message: `The ${step ?? 'first'} step stopped on an unexpected error: ${errorMessage(error)}`,
    retryable: true,
    ...named,
  };
}

/** An error's message, also for errors from another realm (where `instanceof Error` fails). */
export function errorMessage(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}
