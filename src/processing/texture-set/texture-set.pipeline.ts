import { stepNotSupported } from '../pipelines';
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
  for (const [index, step] of request.steps.entries()) {
    const run = TEXTURE_SET_STEPS[step];
    if (!run) throw stepNotSupported(request.kind, step);
    ctx.signal.throwIfAborted();
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
}
