import { pickStepOptions } from './step-options';
import { StepFailedError } from './step-outcome';
import type {
  PipelineContext,
  PipelineRequest,
  StepContext,
  StepName,
  StepRequest,
  StepResult,
} from './step.types';

/**
 * Runs step `index` of a pipeline: with its own options, its progress and its outputs reported to
 * `ctx` as that step's, and any failure (also one while `run` opens what the steps share) named as
 * the step's (StepFailedError). Every kind's pipeline runs its steps through this, in its own order.
 */
export async function runPipelineStep(
  request: PipelineRequest,
  ctx: PipelineContext,
  index: number,
  step: StepName,
  run: (request: StepRequest, ctx: StepContext) => Promise<StepResult>,
): Promise<void> {
  try {
    const result = await run(
      { ...request, step, options: pickStepOptions(step, request.options) },
      { signal: ctx.signal, progress: (fraction) => ctx.progress(index, fraction) },
    );
    await ctx.stepDone(index, result);
  } catch (error) {
    throw new StepFailedError(step, error);
  }
}
