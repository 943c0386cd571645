import type { AssetKind, StepName } from '../contract';

export type { AssetKind, StepName };

/**
 * The folders a step works in (see step-folder.ts, which lays them out). Plain data: it crosses
 * into a worker thread.
 */
export interface StepFolders {
  /**
   * The asset's files at their relative paths, read-only. A step reads nothing outside it and
   * `outputsDir`; `resolveInside` turns a relative path found in a file into a path in here.
   */
  inputDir: string;
  /**
   * The primary file's path relative to `inputDir`, `/`-separated (`photo.tga`,
   * `scene/car.gltf`). Its extension hints formats without magic bytes, like TGA.
   */
  primary: string;
  /**
   * The outputs the asset already has from earlier tasks (`model.glb`, …), by name, read-only:
   * how a step run alone reads what an earlier step made (`earlierOutput` looks here last).
   */
  outputsDir: string;
  /**
   * A folder of this task's own where the steps write their outputs; a later step of the same
   * call finds an earlier step's outputs here.
   */
  workDir: string;
}

/** What one step of a pipeline is asked to do. */
export interface StepRequest extends StepFolders {
  kind: AssetKind;
  step: StepName;
  /** Step options, e.g. `{ size: 1024 }` for `render`, as `STEP_OPTION_SCHEMAS` describes them. */
  options: Record<string, unknown>;
}

/**
 * Several steps of one asset run in one worker thread (a `process` task runs its kind's whole
 * pipeline), so they can share work such as a decoded image.
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

/**
 * An output of a finished step as the thread hands it over: hashed, and at a path of its own
 * (a link to the file in `workDir`), so the caller may move it into storage while later steps
 * still read the original.
 */
export interface HandedOffOutput {
  name: string;
  contentType: string;
  path: string;
  sha256: string;
  bytes: number;
}

/** A finished step's outputs and metadata, handed over as the step ends. */
export interface FinishedStep {
  outputs: HandedOffOutput[];
  metadata?: Record<string, unknown>;
}

/** Reports how far the current step is, as a fraction 0-1 of the step. */
export type ProgressReporter = (fraction: number) => void;

export interface StepContext {
  signal: AbortSignal;
  progress: ProgressReporter;
}

export interface PipelineContext {
  signal: AbortSignal;
  /** How far the step at `stepIndex` (of `request.steps`) is, 0-1. */
  progress: (stepIndex: number, fraction: number) => void;
  /**
   * Called by the kind's runner as each step ends, before any later step that reads its outputs
   * starts; resolves once the outputs are handed over. A step that fails calls nothing.
   */
  stepDone: (stepIndex: number, result: StepResult) => Promise<void>;
}
