import { stepRunners } from '../pipelines';
import { pickStepOptions } from '../step-options';
import { StepFailedError } from '../step-outcome';
import type {
  PipelineContext,
  PipelineRequest,
  StepContext,
  StepName,
  StepRequest,
  StepResult,
} from '../step.types';
import {
  inspectSubstance,
  openSbsarSource,
  renderSubstance,
  type SbsarSource,
} from './substance.steps';

type SubstanceStepRunner = (
  request: StepRequest,
  ctx: StepContext,
  source?: SbsarSource,
) => Promise<StepResult>;

/** The Substance steps by name; `PIPELINES.substance` says their order. */
export const SUBSTANCE_STEPS: Readonly<Partial<Record<StepName, SubstanceStepRunner>>> = {
  inspect: inspectSubstance,
  render: renderSubstance,
};

/**
 * Runs steps of a `substance` asset, one after the other, on one opening of the archive (its
 * listing checked and manifests parsed once). Each step hands its outputs over as it ends.
 */
export async function runSubstancePipeline(
  request: PipelineRequest,
  ctx: PipelineContext,
): Promise<void> {
  const runners = stepRunners(request.kind, request.steps, SUBSTANCE_STEPS);
  let source: SbsarSource | undefined;
  for (const [index, [step, run]] of runners.entries()) {
    ctx.signal.throwIfAborted();
    try {
      source ??= await openSbsarSource(request);
      const result = await run(
        { ...request, step, options: pickStepOptions(step, request.options) },
        { signal: ctx.signal, progress: (f) => ctx.progress(index, f) },
        source,
      );
      await ctx.stepDone(index, result);
    } catch (error) {
      throw new StepFailedError(step, error);
    }
  }
}
