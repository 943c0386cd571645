import { writeOutputAtomically } from '../atomic-output';
import { primaryPath } from '../step-folder';
import type { StepContext, StepRequest, StepResult } from '../step.types';
import { parseStepOptions } from '../step-options';
import {
  IMAGE_DECODE_DEFAULTS,
  openImage,
  type DecodedImage,
  type ImageDecodeOptions,
} from './image-decode';

export interface ImageVariantsOptions {
  /** The image already opened (and decoded) by the pipeline, shared by its steps; absent, the step opens the file. */
  source?: DecodedImage;
  /** WebP quality and effort: sharp's defaults. Encoding dominates this step (~0.75 s for 2048² at effort 4). */
  quality: number;
  effort: number;
  decode: Partial<ImageDecodeOptions>;
}

export const IMAGE_VARIANTS_DEFAULTS: Readonly<ImageVariantsOptions> = {
  quality: 80,
  effort: 4,
  decode: IMAGE_DECODE_DEFAULTS,
};

export const PREVIEW_WEBP = 'preview.webp';

/**
 * `variants` for images: `preview.webp`, its long side at most `options.maxSize` (see
 * `STEP_OPTION_SCHEMAS.variants`), never enlarged, aspect ratio kept; alpha is kept.
 */
export async function buildImageVariants(
  request: StepRequest,
  ctx: StepContext,
  options: Partial<ImageVariantsOptions> = {},
): Promise<StepResult> {
  const settings = { ...IMAGE_VARIANTS_DEFAULTS, ...options };
  const { maxSize } = parseStepOptions('variants', request.options);
  ctx.progress(0);
  const image =
    settings.source ?? (await openImage(primaryPath(request), request.primary, settings.decode));
  ctx.progress(0.2);
  ctx.signal.throwIfAborted();

  const path = await writeOutputAtomically(request.workDir, PREVIEW_WEBP, async (temp) => {
    try {
      await image
        .pipeline()
        .resize(maxSize, maxSize, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: settings.quality, effort: settings.effort })
        .toFile(temp);
    } catch (error) {
      throw image.failure(error);
    }
  });
  ctx.progress(1);
  return { outputs: [{ name: PREVIEW_WEBP, path, contentType: 'image/webp' }] };
}
