import { ProcessingError } from './processing.error';
import type { TaskType } from '../contract';
import type { AssetKind, StepName } from './step.types';

/**
 * The steps a `process` task runs for each asset kind, in order. A step of this list can also run
 * alone (`POST /assets/:id/tasks`); no other step can.
 */
export const PIPELINES: Readonly<Record<AssetKind, readonly StepName[]>> = {
  image: ['inspect', 'render', 'variants'],
  mesh: ['inspect', 'convert', 'optimize', 'render'],
  'texture-set': ['inspect', 'pack', 'variants', 'render'],
  substance: ['inspect', 'render'],
};

export const STEP_NOT_SUPPORTED = 'STEP_NOT_SUPPORTED';

/** The step of no work that measures Kiln's task and event path; any kind runs it (when enabled). */
export const BENCH_STEP = 'bench' satisfies StepName;

export function isStepSupported(kind: AssetKind, step: StepName): boolean {
  if (step === BENCH_STEP) return true;
  return (PIPELINES[kind] as readonly string[] | undefined)?.includes(step) ?? false;
}

/** Whether a task of `type` can run on an asset of `kind`: `process` needs a pipeline, a step must be in it. */
export function isTaskTypeSupported(kind: AssetKind, type: TaskType): boolean {
  return type === 'process' ? (PIPELINES[kind]?.length ?? 0) > 0 : isStepSupported(kind, type);
}

/** The steps a task of `type` runs on an asset of `kind`: its pipeline for `process`, else the one step. */
export function stepsOfTask(kind: AssetKind, type: TaskType): readonly StepName[] {
  return type === 'process' ? PIPELINES[kind] : [type];
}

export function stepNotSupported(kind: string, step: string): ProcessingError {
  const steps = (PIPELINES as Partial<Record<string, readonly StepName[]>>)[kind];
  const available = steps?.length ? `; ${kind} assets support ${steps.join(', ')}` : '';
  return new ProcessingError(
    STEP_NOT_SUPPORTED,
    `Step "${step}" is not available for ${kind} assets${available}.`,
  );
}

/**
 * The runner of each requested step, in order, from a kind's table of runners: a step without one
 * fails with STEP_NOT_SUPPORTED before any step runs.
 */
export function stepRunners<Runner>(
  kind: AssetKind,
  steps: readonly StepName[],
  runners: Readonly<Partial<Record<StepName, Runner>>>,
): Array<readonly [StepName, Runner]> {
  return steps.map((step) => {
    const run = runners[step];
    if (!run) throw stepNotSupported(kind, step);
    return [step, run] as const;
  });
}
