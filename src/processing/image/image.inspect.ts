import { writeFile } from 'node:fs/promises';
import { writeOutputAtomically } from '../atomic-output';
import { primaryPath } from '../step-folder';
import { parseStepOptions } from '../step-options';
import type { StepContext, StepRequest, StepResult } from '../step.types';
import { dominantColor, type Rgb } from './dominant-color';
import {
  IMAGE_DECODE_DEFAULTS,
  openImage,
  type DecodedImage,
  type ImageDecodeOptions,
} from './image-decode';
import type { ImageSourceFormat } from './image-format';

/** What `inspect` reports about an image; it becomes the asset's `metadata`. */
export interface ImageMetadata {
  /** Size as displayed (EXIF orientation applied). */
  width: number;
  height: number;
  channels: number;
  /** libvips' interpretation of the source, e.g. `srgb`, `b-w`, `cmyk`, `rgb16`. */
  colorSpace: string;
  hasAlpha: boolean;
  /** The most common colour, `#rrggbb`; transparent pixels do not count (see `dominantColor`). */
  dominantColor: string;
  /** The format the bytes are, e.g. `png`, `jpeg`, `tga`, `exr`. */
  format: ImageSourceFormat;
}

export interface ImageInspectOptions {
  /** The image already opened (and decoded) by the pipeline, shared by its steps; absent, the step opens the file. */
  source?: DecodedImage;
  /**
   * The dominant colour is taken from a copy scaled to fit this square, not from every pixel:
   * a 16-level histogram hardly changes, and the scaling costs far less than the decode.
   */
  dominantSampleSize: number;
  decode: Partial<ImageDecodeOptions>;
}

export const IMAGE_INSPECT_DEFAULTS: Readonly<ImageInspectOptions> = {
  dominantSampleSize: 256,
  decode: IMAGE_DECODE_DEFAULTS,
};

export const METADATA_JSON = 'metadata.json';

/** `inspect` for images: writes `metadata.json` and returns the same facts as `metadata`. */
export async function inspectImage(
  request: StepRequest,
  ctx: StepContext,
  options: Partial<ImageInspectOptions> = {},
): Promise<StepResult> {
  const settings = { ...IMAGE_INSPECT_DEFAULTS, ...options };
  parseStepOptions('inspect', request.options); // it takes none: refuses any
  ctx.progress(0);
  const image =
    settings.source ?? (await openImage(primaryPath(request), request.primary, settings.decode));
  ctx.progress(0.2);
  ctx.signal.throwIfAborted();

  let dominant: Rgb;
  try {
    const size = settings.dominantSampleSize;
    const sample = await image
      .pipeline()
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb') // 16-bit, grey and CMYK sources become 8-bit sRGB before the histogram
      .raw()
      .toBuffer({ resolveWithObject: true });
    dominant = dominantColor(sample.data, sample.info.channels);
  } catch (error) {
    throw image.failure(error);
  }
  ctx.progress(0.8);
  ctx.signal.throwIfAborted();

  const metadata: ImageMetadata = {
    width: image.width,
    height: image.height,
    channels: image.channels,
    colorSpace: image.colorSpace,
    hasAlpha: image.hasAlpha,
    dominantColor: toHex(dominant),
    format: image.format,
  };
  const path = await writeOutputAtomically(request.workDir, METADATA_JSON, (temp) =>
    writeFile(temp, `${JSON.stringify(metadata, null, 2)}\n`),
  );
  ctx.progress(1);
  return {
    outputs: [{ name: METADATA_JSON, path, contentType: 'application/json' }],
    metadata: { ...metadata },
  };
}

function toHex({ r, g, b }: Rgb): string {
  return `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}
