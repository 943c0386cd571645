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
import { inspectTextureSet } from './texture-set.inspect';
import { packTextureSet } from './texture-set.pack';
import { renderTextureSet } from './texture-set.render';
import { buildTextureSetVariants } from './texture-set.variants';

type TextureSetStep = (request: StepRequest, ctx: StepContext) => Promise<StepResult>;

/** The texture-set steps by name; `PIPELINES['texture-set']` says their order. */
export const TEXTURE_SET_STEPS: Readonly<Partial<Record<StepName, TextureSetStep>>> = {
  inspect: inspectTextureSet,
  pack: packTextureSet,
  variants: buildTextureSetVariants,
  render: renderTextureSet,
};

/**
 * Runs steps of a `texture-set` asset one after the other, in this worker thread: `variants`
 * reads what `pack` wrote (`orm.png`, `normal.png`), and each 4096² map decoded at a time keeps
 * memory bounded while libvips spreads every decode and encode over the cores.
 */
export async function runTextureSetPipeline(
  request: PipelineRequest,
  ctx: PipelineContext,
): Promise<void> {
  const runners = stepRunners(request.kind, request.steps, TEXTURE_SET_STEPS);
  for (const [index, [step, run]] of runners.entries()) {
    ctx.signal.throwIfAborted();
    await runPipelineStep(request, ctx, index, step, run);
  }
}
