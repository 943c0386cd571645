import { stepNotSupported } from '../pipelines';
import type { StepContext, StepName, StepRequest, StepResult } from '../step.types';
import { inspectImage } from './image.inspect';
import { renderImage } from './image.render';
import { buildImageVariants } from './image.variants';

export type ImageStepRunner = (request: StepRequest, ctx: StepContext) => Promise<StepResult>;

/** The image steps by name; `PIPELINES.image` says their order in a `process` task. */
export const IMAGE_STEPS: Readonly<Partial<Record<StepName, ImageStepRunner>>> = {
  inspect: (request, ctx) => inspectImage(request, ctx),
  render: (request, ctx) => renderImage(request, ctx),
  variants: (request, ctx) => buildImageVariants(request, ctx),
};

/** Runs one step of an `image` asset; a step images do not have fails with `STEP_NOT_SUPPORTED`. */
export function runImageStep(request: StepRequest, ctx: StepContext): Promise<StepResult> {
  const run = IMAGE_STEPS[request.step];
  if (!run) return Promise.reject(stepNotSupported(request.kind, request.step));
  return run(request, ctx);
}
