import { runPipelineStep } from '../pipeline-step';
import { stepRunners } from '../pipelines';
import { primaryPath } from '../step-folder';
import { parseStepOptions, pickStepOptions } from '../step-options';
import { StepFailedError } from '../step-outcome';
import type {
  PipelineContext,
  PipelineRequest,
  StepContext,
  StepName,
  StepRequest,
  StepResult,
} from '../step.types';
import { decodeOnce, openImage, type DecodedImage } from './image-decode';
import { IMAGE_INSPECT_DEFAULTS, inspectImage } from './image.inspect';
import { renderImage } from './image.render';
import { buildImageVariants } from './image.variants';

export type ImageStepRunner = (
  request: StepRequest,
  ctx: StepContext,
  source?: DecodedImage,
) => Promise<StepResult>;

/** The image steps by name; `PIPELINES.image` says their order in a `process` task. */
export const IMAGE_STEPS: Readonly<Partial<Record<StepName, ImageStepRunner>>> = {
  inspect: (request, ctx, source) => inspectImage(request, ctx, { source }),
  render: (request, ctx, source) => renderImage(request, ctx, { source }),
  variants: (request, ctx, source) => buildImageVariants(request, ctx, { source }),
};

/**
 * The largest long side the steps make from a shared decode: `render`'s size, `variants`'
 * maxSize, `inspect`'s colour sample (its other facts come from the header, not the pixels).
 * Undefined (decode everything) when an option is invalid: the step itself then says why.
 */
export function sharedDecodeSide(
  steps: readonly StepName[],
  options: Readonly<Record<string, unknown>>,
): number | undefined {
  try {
    return Math.max(
      ...steps.map((step) =>
        step === 'render'
          ? parseStepOptions('render', pickStepOptions('render', options)).size
          : step === 'variants'
            ? parseStepOptions('variants', pickStepOptions('variants', options)).maxSize
            : IMAGE_INSPECT_DEFAULTS.dominantSampleSize,
      ),
    );
  } catch {
    return undefined;
  }
}

/**
 * Runs steps of an `image` asset. Several steps share one opened (and, where it pays, decoded)
 * image and then run at once: they only read it, and libvips works on libuv's threads, so a lone
 * large task uses every core. A step alone opens the file itself, so a JPEG still shrinks on load.
 * Each step hands its outputs over as it ends (`ctx.stepDone`), so a step that fails later takes
 * nothing with it.
 */
export async function runImagePipeline(
  request: PipelineRequest,
  ctx: PipelineContext,
): Promise<void> {
  const runners = stepRunners(request.kind, request.steps, IMAGE_STEPS);
  let source: DecodedImage | undefined;
  if (runners.length > 1) {
    ctx.progress(0, 0); // the shared decode counts as the first step's start
    try {
      source = await decodeOnce(
        await openImage(primaryPath(request), request.primary),
        sharedDecodeSide(request.steps, request.options),
      );
    } catch (error) {
      throw new StepFailedError(runners[0][0], error);
    }
  }
  ctx.signal.throwIfAborted();
  // allSettled, not all: every step has finished writing (and handing over) before a failure is
  // answered.
  const settled = await Promise.allSettled(
    runners.map(([step, run], index) =>
      runPipelineStep(request, ctx, index, step, (stepRequest, stepCtx) =>
        run(stepRequest, stepCtx, source),
      ),
    ),
  );
  const failed = settled.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
}
