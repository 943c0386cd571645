import { open, readFile } from 'node:fs/promises';
import sharp, { type Metadata, type OutputInfo, type Sharp, type SharpOptions } from 'sharp';
import { decodeForeignImage, type ForeignDecodeOptions } from './foreign-image-decode';
import { ProcessingError } from '../processing.error';
import { IMAGE_TOO_LARGE, imageCorrupt, imageTooLarge, toImageFailure } from './image-errors';
import { SNIFF_HEAD_BYTES, sniffFile } from '../sniff/file-sniff';
import {
  isImageSourceFormat,
  readExrHeader,
  readHdrHeader,
  readTgaHeader,
  type ForeignImageHeader,
  type ImageSourceFormat,
} from './image-format';

/** 16383², sharp's own default: large enough for 16K textures, and it bounds libvips' memory, which worker threads do not. */
export const IMAGE_PIXEL_LIMIT = 16383 * 16383; // 268,402,689

export interface ImageDecodeOptions extends ForeignDecodeOptions {
  /** Images with more pixels fail with `IMAGE_TOO_LARGE` before any pixel is decoded. */
  limitInputPixels: number;
}

export const IMAGE_DECODE_DEFAULTS: Readonly<ImageDecodeOptions> = {
  limitInputPixels: IMAGE_PIXEL_LIMIT,
  toneMapping: 'clamp',
  exposure: 1,
};

/** An image opened for sharp: facts from its header, and pipelines over its pixels. */
export interface DecodedImage {
  /** The format the bytes are (not the one the file name claims). */
  format: ImageSourceFormat;
  /** Size as displayed: EXIF orientation applied. */
  width: number;
  height: number;
  channels: number;
  hasAlpha: boolean;
  /** libvips' interpretation, e.g. `srgb`, `b-w`, `cmyk`. */
  colorSpace: string;
  /** A fresh sharp pipeline over the pixels (EXIF orientation applied); one per output. */
  pipeline(): Sharp;
  /** Turns a failure of one of this image's pipelines into `IMAGE_CORRUPT`/`IMAGE_TOO_LARGE` where it is bad input. */
  failure(error: unknown): unknown;
}

/** What sharp's metadata calls the formats we accept; anything else libvips happens to read (SVG, .v, …) is refused. */
const SHARP_FORMATS: Readonly<Record<string, ImageSourceFormat>> = {
  png: 'png',
  jpeg: 'jpeg',
  webp: 'webp',
  tiff: 'tiff',
  gif: 'gif',
};

/**
 * Opens an uploaded image. PNG, JPEG, WebP, TIFF, GIF and AVIF go to sharp by path (sharp reads
 * only the header here; pixels are decoded by each pipeline, with shrink-on-load for JPEG and
 * WebP and sequential access, so a step decodes its input once). TGA, OpenEXR and Radiance HDR,
 * which the prebuilt libvips cannot read, are decoded once by three's loaders into 8-bit pixels
 * that every pipeline shares.
 */
export async function openImage(
  inputPath: string,
  filename: string,
  options: Partial<ImageDecodeOptions> = {},
): Promise<DecodedImage> {
  const settings = { ...IMAGE_DECODE_DEFAULTS, ...options };
  const sniffed = sniffFile({ head: await readHead(inputPath), filename })?.format;
  if (sniffed === 'tga' || sniffed === 'exr' || sniffed === 'hdr') {
    return openForeignImage(inputPath, filename, sniffed, settings);
  }
  return openWithSharp(
    inputPath,
    filename,
    isImageSourceFormat(sniffed) ? sniffed : undefined,
    settings,
  );
}

/** Formats every pipeline decodes whole again (no shrink-on-load): worth decoding once for several steps. */
const DECODE_ONCE_FORMATS: ReadonlySet<ImageSourceFormat> = new Set(['png', 'tiff', 'gif', 'avif']);

/** Above this many pixels the shared copy (up to 4 bytes a pixel) costs more memory than the re-decodes cost time. */
export const SHARED_DECODE_MAX_PIXELS = 8192 * 8192;

/**
 * Decodes the pixels once into memory, as 8-bit sRGB, and answers the image with pipelines that
 * read that copy, for several steps to share. A 4096² PNG then decodes once instead of once per
 * step. Images that gain nothing are answered as they are: JPEG and WebP shrink on load, TGA,
 * EXR and HDR are in memory already, and the largest would cost too much memory.
 *
 * `maxSide`: the largest long side the steps will make from the copy. A larger image is shrunk
 * to fit it while it decodes (the resize streams behind the decoder), so each step then resizes
 * from far fewer pixels and the copy takes less memory: a 4096² PNG's `process` task needs at
 * most its 2048 px preview, a copy 4× smaller (12 MiB, not 48 MiB), and the whole task took
 * ~18 % less time (docs/performance.md). The image's width and height stay those of the file.
 */
export async function decodeOnce(image: DecodedImage, maxSide?: number): Promise<DecodedImage> {
  if (
    !DECODE_ONCE_FORMATS.has(image.format) ||
    image.width * image.height > SHARED_DECODE_MAX_PIXELS
  ) {
    return image;
  }
  const shrink = maxSide !== undefined && Math.max(image.width, image.height) > maxSide;
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    const pipeline = image.pipeline();
    if (shrink) pipeline.resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true });
    decoded = await pipeline
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw image.failure(error);
  }
  const { data, info } = decoded;
  const raw = { width: info.width, height: info.height, channels: info.channels };
  return { ...image, pipeline: () => openRawPixels(data, raw) };
}

/** A sharp pipeline over pixels already in memory (e.g. a sample a step computed), with the same limits. */
export function openRawPixels(
  data: Buffer,
  raw: { width: number; height: number; channels: 1 | 2 | 3 | 4 },
  limitInputPixels = IMAGE_PIXEL_LIMIT,
): Sharp {
  return sharp(data, { ...sharpOptions(limitInputPixels), raw });
}

async function readHead(path: string): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(SNIFF_HEAD_BYTES);
    const { bytesRead } = await file.read(head, 0, SNIFF_HEAD_BYTES, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

function sharpOptions(limitInputPixels: number): SharpOptions {
  // sequentialRead is sharp's default; said here because the speed of every step relies on it.
  return { limitInputPixels, failOn: 'error', autoOrient: true, sequentialRead: true };
}

/** `sniffed`: the format the first bytes announce, so a failure can say "a truncated PNG" rather than "not an image". */
async function openWithSharp(
  inputPath: string,
  filename: string,
  sniffed: ImageSourceFormat | undefined,
  settings: ImageDecodeOptions,
): Promise<DecodedImage> {
  const limit = settings.limitInputPixels;
  const fail = (format: ImageSourceFormat | undefined) => (error: unknown) =>
    toImageFailure(error, format, filename, limit);
  let metadata: Metadata;
  try {
    metadata = await sharp(inputPath, sharpOptions(limit)).metadata();
  } catch (error) {
    const failure = fail(sniffed)(error);
    if (failure instanceof ProcessingError && failure.code === IMAGE_TOO_LARGE) {
      throw (await measureOversized(inputPath, limit)) ?? failure;
    }
    throw failure;
  }
  const format =
    metadata.format === 'heif'
      ? metadata.compression === 'av1'
        ? 'avif'
        : undefined
      : SHARP_FORMATS[metadata.format];
  if (!format) throw imageCorrupt(undefined, filename);
  if (metadata.width * metadata.height > limit)
    throw imageTooLarge(metadata.width, metadata.height, limit);
  return {
    format,
    width: metadata.autoOrient.width,
    height: metadata.autoOrient.height,
    channels: metadata.channels,
    hasAlpha: metadata.hasAlpha,
    colorSpace: metadata.space,
    pipeline: () => sharp(inputPath, sharpOptions(limit)),
    failure: fail(format),
  };
}

/**
 * sharp refuses even the header of an image over the limit, without its size. Reading the header
 * alone again, unlimited, allocates no pixels and lets the message name the size.
 */
async function measureOversized(
  inputPath: string,
  limit: number,
): Promise<ProcessingError | undefined> {
  try {
    const { width, height } = await sharp(inputPath, {
      limitInputPixels: false,
      failOn: 'error',
    }).metadata();
    return imageTooLarge(width, height, limit);
  } catch {
    return undefined;
  }
}

async function openForeignImage(
  inputPath: string,
  filename: string,
  format: 'tga' | 'exr' | 'hdr',
  settings: ImageDecodeOptions,
): Promise<DecodedImage> {
  const limit = settings.limitInputPixels;
  const fail = (error: unknown) => toImageFailure(error, format, filename, limit);
  const bytes = await readFile(inputPath); // bounded by the upload size limit, not by the pixel count
  let header: ForeignImageHeader;
  try {
    header =
      format === 'exr'
        ? readExrHeader(bytes)
        : format === 'hdr'
          ? readHdrHeader(bytes)
          : readTgaHeader(bytes);
  } catch (error) {
    throw fail(error);
  }
  if (header.width * header.height > limit) throw imageTooLarge(header.width, header.height, limit);
  let raw: ReturnType<typeof decodeForeignImage>;
  try {
    raw = decodeForeignImage(bytes, header, settings);
  } catch (error) {
    // The header and the limit were checked, so whatever the loader throws is about the bytes;
    // only a failed allocation says something about this machine rather than the file.
    if (error instanceof RangeError && /allocation failed/i.test(error.message)) throw error;
    throw imageCorrupt(format, filename);
  }
  const { data, width, height, channels } = raw;
  return {
    format,
    width,
    height,
    channels,
    hasAlpha: channels === 2 || channels === 4,
    // As libvips names its own EXR and Radiance loads: float sources are linear light (scRGB),
    // whatever the 8-bit pixels they were tone-mapped to.
    colorSpace: channels <= 2 ? 'b-w' : format === 'tga' ? 'srgb' : 'scrgb',
    pipeline: () => openRawPixels(data, { width, height, channels }, limit),
    failure: fail,
  };
}
