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

export interface ImageRenderOptions {
  /** The image already opened (and decoded) by the pipeline, shared by its steps; absent, the step opens the file. */
  source?: DecodedImage;
  /** zlib level of the PNG (sharp's default); thumbnails are small, so it costs little. */
  compressionLevel: number;
  decode: Partial<ImageDecodeOptions>;
}

export const IMAGE_RENDER_DEFAULTS: Readonly<ImageRenderOptions> = {
  compressionLevel: 6,
  decode: IMAGE_DECODE_DEFAULTS,
};

export const THUMBNAIL_PNG = 'thumbnail.png';

/**
 * `render` for images: `thumbnail.png`, 8-bit sRGB, its long side `options.size` (see
 * `STEP_OPTION_SCHEMAS.render`) or the source's if smaller, aspect ratio kept. One decode: JPEG and WebP shrink
 * on load, other formats stream through the resize.
 */
export async function renderImage(
  request: StepRequest,
  ctx: StepContext,
  options: Partial<ImageRenderOptions> = {},
): Promise<StepResult> {
  const settings = { ...IMAGE_RENDER_DEFAULTS, ...options };
  const { size } = parseStepOptions('render', request.options);
  ctx.progress(0);
  const image =
    settings.source ?? (await openImage(primaryPath(request), request.primary, settings.decode));
  ctx.progress(0.2);
  ctx.signal.throwIfAborted();

  const path = await writeOutputAtomically(request.workDir, THUMBNAIL_PNG, async (temp) => {
    try {
      await image
        .pipeline()
        .resize(size, size, { fit: 'inside', withoutEnlargement: true })
        .toColourspace('srgb') // 16-bit, grey and CMYK sources become plain 8-bit sRGB
        .png({ compressionLevel: settings.compressionLevel })
        .toFile(temp);
    } catch (error) {
      throw image.failure(error);
    }
  });
  ctx.progress(1);
  return { outputs: [{ name: THUMBNAIL_PNG, path, contentType: 'image/png' }] };
}
