import type { AssetKind, StepName } from '../contract';

export type { AssetKind, StepName };

/** What one step of a pipeline is asked to do. Plain data: it crosses into a worker thread. */
export interface StepRequest {
  kind: AssetKind;
  step: StepName;
  /** The uploaded file, readable at this path. */
  inputPath: string;
  /** The name the user uploaded it under (its extension helps decode formats without magic bytes, like TGA). */
  filename: string;
  /** An empty folder of this task's own where the step writes its outputs. */
  workDir: string;
  /** Step options, e.g. `{ size: 1024 }` for `render`, as `STEP_OPTION_SCHEMAS` describes them. */
  options: Record<string, unknown>;
}

/**
 * Several steps of one asset run back to back in one worker thread (a `process` task runs its
 * kind's whole pipeline), so they can share work such as a decoded image.
 */
export interface PipelineRequest extends Omit<StepRequest, 'step'> {
  steps: readonly StepName[];
}

/** A file a step produced, named as the asset's output (`thumbnail.png`, `metadata.json`, …). */
export interface StepOutput {
  name: string;
  path: string;
  contentType: string;
}

export interface StepResult {
  outputs: StepOutput[];
  /** Facts to merge into the asset's `metadata` (the inspect step fills it). */
  metadata?: Record<string, unknown>;
}

/** Reports how far the current step is, as a fraction 0-1 of the step. */
export type ProgressReporter = (fraction: number) => void;

export interface StepContext {
  signal: AbortSignal;
  progress: ProgressReporter;
}

/** Reports how far the pipeline is: the index of the running step and its fraction 0-1. */
export type PipelineProgressReporter = (stepIndex: number, fraction: number) => void;

export interface PipelineContext {
  signal: AbortSignal;
  progress: PipelineProgressReporter;
}
