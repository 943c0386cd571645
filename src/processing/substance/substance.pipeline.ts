import { runPipelineStep } from '../pipeline-step';
import { stepRunners } from '../pipelines';
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
    // The archive opens within the first step: a bad one fails as that step.
    await runPipelineStep(request, ctx, index, step, async (stepRequest, stepCtx) =>
      run(stepRequest, stepCtx, (source ??= await openSbsarSource(request))),
    );
  }
}
