import { FILE_FORMATS, formatByExtension, type FileFormat } from '../sniff/file-formats';
import { isExr, isHdr, isPlausibleTga } from '../sniff/file-sniff';

/** Source formats of the `image` kind, named as `metadata.format` reports them. */
export type ImageSourceFormat =
  'png' | 'jpeg' | 'webp' | 'tiff' | 'gif' | 'avif' | 'tga' | 'exr' | 'hdr';

const IMAGE_SOURCE_FORMATS: readonly ImageSourceFormat[] = [
  'png',
  'jpeg',
  'webp',
  'tiff',
  'gif',
  'avif',
  'tga',
  'exr',
  'hdr',
] satisfies readonly FileFormat[];

export function isImageSourceFormat(format: string | undefined): format is ImageSourceFormat {
  return (IMAGE_SOURCE_FORMATS as readonly (string | undefined)[]).includes(format);
}

/** How a person calls each format, for error messages (from the one format table). */
export const IMAGE_FORMAT_NAMES: Readonly<Record<ImageSourceFormat, string>> = Object.fromEntries(
  IMAGE_SOURCE_FORMATS.map((format) => [format, FILE_FORMATS[format].name]),
) as Record<ImageSourceFormat, string>;

/**
 * Header facts of the formats sharp's prebuilt libvips cannot read (TGA, OpenEXR, Radiance HDR).
 * Read before three's loaders run, so the pixel limit is enforced before they allocate, and so
 * truncation (which those loaders often decode silently as black) is caught.
 */
export interface ForeignImageHeader {
  format: 'tga' | 'exr' | 'hdr';
  width: number;
  height: number;
  /** Channels worth keeping after decoding: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. */
  channels: 1 | 2 | 3 | 4;
}

/** A header that is not what it should be; the caller turns it into `IMAGE_CORRUPT`. */
export class ImageHeaderError extends Error {
  override name = 'ImageHeaderError';
}

const TGA_HEADER_BYTES = 18;

/** Reads a TGA header and checks that the file holds every pixel the header promises. */
export function readTgaHeader(bytes: Uint8Array): ForeignImageHeader {
  if (!isPlausibleTga(bytes)) throw new ImageHeaderError('not a TGA header');
  const idLength = bytes[0];
  const colourMapType = bytes[1];
  const imageType = bytes[2];
  const colourMapLength = bytes[5] | (bytes[6] << 8);
  const colourMapEntryBits = bytes[7];
  const width = bytes[12] | (bytes[13] << 8);
  const height = bytes[14] | (bytes[15] << 8);
  const depth = bytes[16];
  const bytesPerPixel = Math.ceil(depth / 8);
  const grey = imageType === 3 || imageType === 11;
  const rle = imageType >= 9;

  let offset = TGA_HEADER_BYTES + idLength;
  if (colourMapType === 1) offset += colourMapLength * Math.ceil(colourMapEntryBits / 8);
  const pixels = width * height;
  if (rle) {
    offset = endOfTgaRle(bytes, offset, pixels, bytesPerPixel);
  } else {
    offset += pixels * bytesPerPixel;
  }
  if (offset > bytes.length) throw new ImageHeaderError('truncated');

  // 16-bit colour TGAs keep their 1-bit "alpha" out: writers disagree on what it means.
  const channels = grey ? (depth === 16 ? 2 : 1) : depth === 32 ? 4 : 3;
  return { format: 'tga', width, height, channels };
}

/** Walks the RLE packets without decoding them; returns the offset just past the last one. */
function endOfTgaRle(
  bytes: Uint8Array,
  start: number,
  pixels: number,
  bytesPerPixel: number,
): number {
  let offset = start;
  let done = 0;
  while (done < pixels) {
    if (offset >= bytes.length) throw new ImageHeaderError('truncated');
    const packet = bytes[offset++];
    const count = (packet & 0x7f) + 1;
    offset += packet & 0x80 ? bytesPerPixel : count * bytesPerPixel;
    done += count;
  }
  return offset;
}

/**
 * Reads an OpenEXR header (the first part's, for multi-part files): the size from `dataWindow`
 * and whether an `A` channel exists. Pixel data is checked by three's loader, which throws on
 * truncated chunks.
 */
export function readExrHeader(bytes: Uint8Array): ForeignImageHeader {
  if (!isExr(bytes) || bytes.length < 8) throw new ImageHeaderError('not an OpenEXR header');
  let offset = 8;
  let dataWindow: [number, number, number, number] | undefined;
  let channelNames: string[] | undefined;
  for (;;) {
    const name = readCString(bytes, offset);
    offset = name.end;
    if (name.text === '') break;
    const type = readCString(bytes, offset);
    offset = type.end;
    if (offset + 4 > bytes.length) throw new ImageHeaderError('truncated');
    const size = readU32(bytes, offset);
    offset += 4;
    if (offset + size > bytes.length) throw new ImageHeaderError('truncated');
    if (name.text === 'dataWindow' && type.text === 'box2i' && size === 16) {
      dataWindow = [
        readI32(bytes, offset),
        readI32(bytes, offset + 4),
        readI32(bytes, offset + 8),
        readI32(bytes, offset + 12),
      ];
    } else if (name.text === 'channels' && type.text === 'chlist') {
      channelNames = readExrChannelNames(bytes.subarray(offset, offset + size));
    }
    offset += size;
  }
  if (!dataWindow || !channelNames) throw new ImageHeaderError('missing dataWindow or channels');
  const [xMin, yMin, xMax, yMax] = dataWindow;
  const width = xMax - xMin + 1;
  const height = yMax - yMin + 1;
  if (width <= 0 || height <= 0) throw new ImageHeaderError('empty dataWindow');
  const alpha = channelNames.includes('A');
  const colour =
    ['R', 'G', 'B'].every((c) => channelNames.includes(c)) || channelNames.includes('RY');
  const channels = colour ? (alpha ? 4 : 3) : alpha ? 2 : 1;
  return { format: 'exr', width, height, channels };
}

function readExrChannelNames(list: Uint8Array): string[] {
  const names: string[] = [];
  let offset = 0;
  for (;;) {
    const name = readCString(list, offset);
    if (name.text === '') return names;
    names.push(name.text);
    offset = name.end + 16; // pixel type, pLinear + 3 reserved, x and y sampling
  }
}

const HDR_HEADER_SCAN_BYTES = 64 * 1024;
const HDR_SIZE_LINE = /^\s*-Y\s+(\d+)\s+\+X\s+(\d+)\s*$/; // the only orientation three's loader reads

/** Reads a Radiance HDR header and checks that the scanlines it promises are all present. */
export function readHdrHeader(bytes: Uint8Array): ForeignImageHeader {
  if (!isHdr(bytes)) throw new ImageHeaderError('not a Radiance header');
  const head = Buffer.from(
    bytes.buffer,
    bytes.byteOffset,
    Math.min(bytes.length, HDR_HEADER_SCAN_BYTES),
  ).toString('latin1');
  const endOfHeader = head.indexOf('\n\n');
  if (endOfHeader < 0) throw new ImageHeaderError('truncated');
  const endOfSizeLine = head.indexOf('\n', endOfHeader + 2);
  if (endOfSizeLine < 0) throw new ImageHeaderError('truncated');
  const size = HDR_SIZE_LINE.exec(head.slice(endOfHeader + 2, endOfSizeLine));
  if (!size) throw new ImageHeaderError('unsupported size line');
  const height = Number(size[1]);
  const width = Number(size[2]);
  if (width <= 0 || height <= 0) throw new ImageHeaderError('empty image');
  const end = endOfHdrScanlines(bytes, endOfSizeLine + 1, width, height);
  if (end > bytes.length) throw new ImageHeaderError('truncated');
  return { format: 'hdr', width, height, channels: 3 };
}

/** Walks the (new-style RLE or flat) scanlines the way three's HDRLoader reads them. */
function endOfHdrScanlines(
  bytes: Uint8Array,
  start: number,
  width: number,
  height: number,
): number {
  const rle =
    width >= 8 &&
    width <= 0x7fff &&
    bytes[start] === 2 &&
    bytes[start + 1] === 2 &&
    (bytes[start + 2] & 0x80) === 0;
  if (!rle) return start + width * height * 4;
  let offset = start;
  for (let line = 0; line < height; line++) {
    if (offset + 4 > bytes.length) throw new ImageHeaderError('truncated');
    if (
      bytes[offset] !== 2 ||
      bytes[offset + 1] !== 2 ||
      ((bytes[offset + 2] << 8) | bytes[offset + 3]) !== width
    ) {
      throw new ImageHeaderError('bad scanline');
    }
    offset += 4;
    for (let filled = 0; filled < width * 4;) {
      if (offset >= bytes.length) throw new ImageHeaderError('truncated');
      let count = bytes[offset++];
      const run = count > 128;
      if (run) count -= 128;
      if (count === 0 || filled + count > width * 4) throw new ImageHeaderError('bad scanline');
      offset += run ? 1 : count;
      filled += count;
    }
  }
  return offset;
}

function readCString(bytes: Uint8Array, start: number): { text: string; end: number } {
  const zero = bytes.indexOf(0, start);
  if (zero < 0 || zero - start > 255) throw new ImageHeaderError('truncated');
  return {
    text: Buffer.from(bytes.buffer, bytes.byteOffset + start, zero - start).toString('latin1'),
    end: zero + 1,
  };
}

function readU32(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset] |
      (bytes[offset + 1] << 8) |
      (bytes[offset + 2] << 16) |
      (bytes[offset + 3] << 24)) >>>
    0
  );
}

function readI32(bytes: Uint8Array, offset: number): number {
  return (
    bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24)
  );
}

/** The image format a file name claims; only for messages (the bytes decide what a file is). */
export function formatFromFilename(filename: string): ImageSourceFormat | undefined {
  const format = formatByExtension(filename);
  return isImageSourceFormat(format) ? format : undefined;
}
