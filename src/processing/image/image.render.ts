import { writeOutputAtomically } from '../atomic-output';
import { primaryPath } from '../step-folder';
import type { StepContext, StepRequest, StepResult } from '../step.types';
import { readIntegerOption } from '../step-options';
import {
  IMAGE_DECODE_DEFAULTS,
  openImage,
  type DecodedImage,
  type ImageDecodeOptions,
} from './image-decode';

export interface ImageRenderOptions {
  /** The image already opened (and decoded) by the pipeline, shared by its steps; absent, the step opens the file. */
  source?: DecodedImage;
  /** Long side of the thumbnail in pixels, when the request gives no `size`; never enlarged past the source. */
  size: number;
  /** zlib level of the PNG (sharp's default); thumbnails are small, so it costs little. */
  compressionLevel: number;
  decode: Partial<ImageDecodeOptions>;
}

export const IMAGE_RENDER_DEFAULTS: Readonly<ImageRenderOptions> = {
  size: 512,
  compressionLevel: 6,
  decode: IMAGE_DECODE_DEFAULTS,
};

/** The `size` a request may ask for. */
export const THUMBNAIL_SIZE_MIN = 16;
export const THUMBNAIL_SIZE_MAX = 4096;

export const THUMBNAIL_PNG = 'thumbnail.png';

/**
 * `render` for images: `thumbnail.png`, 8-bit sRGB, its long side `options.size` (16-4096,
 * default 512) or the source's if smaller, aspect ratio kept. One decode: JPEG and WebP shrink
 * on load, other formats stream through the resize.
 */
export async function renderImage(
  request: StepRequest,
  ctx: StepContext,
  options: Partial<ImageRenderOptions> = {},
): Promise<StepResult> {
  const settings = { ...IMAGE_RENDER_DEFAULTS, ...options };
  const size = readIntegerOption(
    request.options,
    'size',
    settings.size,
    THUMBNAIL_SIZE_MIN,
    THUMBNAIL_SIZE_MAX,
  );
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
