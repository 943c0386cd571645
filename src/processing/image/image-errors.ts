import { ProcessingError } from '../processing.error';
import {
  IMAGE_FORMAT_NAMES,
  ImageHeaderError,
  formatFromFilename,
  type ImageSourceFormat,
} from './image-format';

export const IMAGE_CORRUPT = 'IMAGE_CORRUPT';
export const IMAGE_TOO_LARGE = 'IMAGE_TOO_LARGE';

const READABLE_FORMATS = 'PNG, JPEG, WebP, TIFF, GIF, AVIF, TGA, OpenEXR or Radiance HDR';

/** The bytes are not a readable image of `format` (undefined: of no format we read). */
export function imageCorrupt(
  format: ImageSourceFormat | undefined,
  filename: string,
): ProcessingError {
  if (format) {
    const name = IMAGE_FORMAT_NAMES[format];
    // Only the loaders of TGA, EXR and HDR refuse some valid variants (e.g. deep EXR).
    const why =
      format === 'tga' || format === 'exr' || format === 'hdr'
        ? 'it is truncated, corrupt or a variant Kiln cannot read'
        : 'it is truncated or corrupt';
    return new ProcessingError(
      IMAGE_CORRUPT,
      `The file could not be decoded as ${article(name)} ${name} image: ${why}. Re-export it and upload again.`,
    );
  }
  const claimed = formatFromFilename(filename);
  const message = claimed
    ? `The file could not be decoded as ${article(IMAGE_FORMAT_NAMES[claimed])} ${IMAGE_FORMAT_NAMES[claimed]} image: its content is not ${IMAGE_FORMAT_NAMES[claimed]} data, nor any other image format Kiln reads (${READABLE_FORMATS}). Re-export it and upload again.`
    : `The file is not an image Kiln can read: its content matches none of ${READABLE_FORMATS}. Export it in one of these formats and upload again.`;
  return new ProcessingError(IMAGE_CORRUPT, message);
}

export function imageTooLarge(width: number, height: number, limit: number): ProcessingError {
  const side = Math.floor(Math.sqrt(limit));
  const sideNote = side * side === limit ? ` (${side}×${side})` : '';
  return new ProcessingError(
    IMAGE_TOO_LARGE,
    `The image is ${width}×${height} pixels (${count(width * height)} pixels); Kiln decodes images of at most ${count(limit)} pixels${sideNote}. Scale it down and upload again.`,
  );
}

/** libvips' and sharp's words for input it could not decode (as opposed to a failed write or a missing file). */
const DECODE_FAILURE =
  /load|Input (file|buffer)|unsupported image format|corrupt|truncat|premature|read error|libpng|VipsJpeg|tiff2vips|bad seek|not enough data/i;

/**
 * Turns a failure of sharp on this image into a stable `ProcessingError`. Errors that do not look
 * like bad input (a missing input file, a failed write, an abort) are returned unchanged, so they
 * count as crashes and are retried.
 */
export function toImageFailure(
  error: unknown,
  format: ImageSourceFormat | undefined,
  filename: string,
  limit: number,
): unknown {
  if (error instanceof ProcessingError || !(error instanceof Error) || error.name === 'AbortError')
    return error;
  if (error instanceof ImageHeaderError) return imageCorrupt(format, filename);
  if (/pixel limit/i.test(error.message)) {
    return new ProcessingError(
      IMAGE_TOO_LARGE,
      `The image has more than ${count(limit)} pixels, the most Kiln decodes. Scale it down and upload again.`,
    );
  }
  if (/Input file is missing/i.test(error.message)) return error;
  return DECODE_FAILURE.test(error.message) ? imageCorrupt(format, filename) : error;
}

function article(name: string): string {
  return /^[AEIOU]/.test(name) ? 'an' : 'a';
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
