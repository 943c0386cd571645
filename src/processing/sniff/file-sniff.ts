import { open } from 'node:fs/promises';
import type { AssetKind } from '../../contract';
import { FILE_FORMATS, type FileFormat, formatByExtension } from './file-formats';
import { meshFormatByBytes } from './mesh-sniff';
import { isSevenZip } from '../substance/seven-zip-header';

/**
 * How many leading bytes `sniffFile` looks at. Images need under 64 (an AVIF `ftyp` box with its
 * brand list); the text formats of models (OBJ, PLY, .gltf JSON, DAE, ASCII FBX and STL) need a
 * few kilobytes of context. A shorter head (a small file) is fine.
 */
export const SNIFF_HEAD_BYTES = 4100;

/** A zip's end-of-central-directory record (22 bytes) and the longest comment that may follow it. */
export const SNIFF_TAIL_BYTES = 22 + 0xffff;

/** What the sniffer looks at: bytes from both ends of a file, and its name. */
export interface SniffInput {
  /** The first `SNIFF_HEAD_BYTES` bytes (the whole file when it is shorter). */
  head: Uint8Array;
  /** The name, trusted only where bytes cannot decide (TGA has no magic number). */
  filename: string;
  /**
   * The last `SNIFF_TAIL_BYTES` bytes (the whole file when it is shorter), for formats found at
   * the end: a zip is read from its central directory, whose end record is the file's last bytes.
   * Absent, such formats are judged by the head alone. `readSniffInput` reads both ends.
   */
  tail?: Uint8Array;
  /**
   * The file's size in bytes. A binary STL has no magic number: it is known by its size (84 bytes
   * plus 50 a triangle) alone, so without a size no file is taken for one. `readSniffInput` fills it.
   */
  size?: number;
}

/** A file's format, decided from its bytes. */
export interface SniffedFile {
  format: FileFormat;
  contentType: string;
  /** The kind such a file is on its own (`image` for a PNG); null for a zip, whose entries decide. */
  kind: AssetKind | null;
}

/**
 * Decides a file's format from its bytes. The name is never trusted over the bytes: a `.png`
 * holding a JPEG is a JPEG, and random bytes named `.png` are nothing. Two exceptions, for formats
 * with no magic number: TGA needs the `.tga` extension and a plausible header, and a glTF buffer
 * is any `.bin` whose bytes are nothing else (kind null: it is only ever part of a model). Models
 * are known by their own bytes (see mesh-sniff.ts). Any 7z archive is taken for an .sbsar: Kiln
 * reads no other 7z, and one without a Substance manifest fails processing with
 * `SUBSTANCE_PARSE_FAILED`. Undefined means no format Kiln reads. Pure: callers read the bytes
 * (see `readSniffInput`).
 */
export function sniffFile(input: SniffInput): SniffedFile | undefined {
  const extension = formatByExtension(input.filename);
  const whole =
    input.size !== undefined
      ? input.head.length >= input.size
      : input.head.length < SNIFF_HEAD_BYTES;
  const format =
    imageFormatByMagic(input.head) ??
    (isZip(input.head, input.tail) ? 'zip' : undefined) ??
    (isSevenZip(input.head) ? 'sbsar' : undefined) ??
    (extension === 'tga' && isPlausibleTga(input.head) ? 'tga' : undefined) ??
    meshFormatByBytes({ head: input.head, size: input.size, whole }) ??
    (extension === 'bin' && input.head.length > 0 ? 'bin' : undefined);
  if (!format) return undefined;
  const { contentType, kind } = FILE_FORMATS[format];
  return { format, contentType, kind };
}

/**
 * Reads what `sniffFile` needs from a file on disk: its head (unless the caller kept it while
 * the file streamed in) and its tail. A caller that kept the head and counted the bytes gets no
 * read at all unless the head is a zip's (only a zip is judged by its tail): an upload's image
 * costs no open, stat, read and close of its temp file.
 */
export async function readSniffInput(
  path: string,
  filename: string,
  kept?: { head: Uint8Array; size: number },
): Promise<SniffInput> {
  if (kept && !startsLikeZip(kept.head)) return { head: kept.head, filename, size: kept.size };
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const readAt = async (position: number, length: number) => {
      const bytes = Buffer.alloc(length);
      const { bytesRead } = await file.read(bytes, 0, length, position);
      return bytes.subarray(0, bytesRead);
    };
    const tailLength = Math.min(size, SNIFF_TAIL_BYTES);
    return {
      head: kept?.head ?? (await readAt(0, Math.min(size, SNIFF_HEAD_BYTES))),
      filename,
      tail: await readAt(size - tailLength, tailLength),
      size,
    };
  } finally {
    await file.close();
  }
}

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];
const EXR = [0x76, 0x2f, 0x31, 0x01];
const TIFF_LE = [0x49, 0x49, 0x2a, 0x00];
const TIFF_BE = [0x4d, 0x4d, 0x00, 0x2a];
const BIGTIFF_LE = [0x49, 0x49, 0x2b, 0x00]; // libtiff reads BigTIFF too
const BIGTIFF_BE = [0x4d, 0x4d, 0x00, 0x2b];
const ZIP_LOCAL_FILE = [0x50, 0x4b, 0x03, 0x04];
const ZIP_END_OF_DIRECTORY = [0x50, 0x4b, 0x05, 0x06];
const ZIP_END_OF_DIRECTORY_BYTES = 22;

function imageFormatByMagic(head: Uint8Array): FileFormat | undefined {
  if (startsWith(head, PNG)) return 'png';
  if (startsWith(head, JPEG)) return 'jpeg';
  if (latin1(head, 0, 4) === 'RIFF' && latin1(head, 8, 12) === 'WEBP') return 'webp';
  if ([TIFF_LE, TIFF_BE, BIGTIFF_LE, BIGTIFF_BE].some((magic) => startsWith(head, magic)))
    return 'tiff';
  if (latin1(head, 0, 6) === 'GIF87a' || latin1(head, 0, 6) === 'GIF89a') return 'gif';
  if (isAvif(head)) return 'avif';
  if (isExr(head)) return 'exr';
  if (isHdr(head)) return 'hdr';
  return undefined;
}

/** An ISO-BMFF `ftyp` box whose major or compatible brands include `avif` (still) or `avis` (sequence). */
function isAvif(head: Uint8Array): boolean {
  if (head.length < 16 || latin1(head, 4, 8) !== 'ftyp') return false;
  const boxEnd = Math.min(readU32BE(head, 0), head.length);
  const brands = [latin1(head, 8, 12)];
  for (let offset = 16; offset + 4 <= boxEnd; offset += 4)
    brands.push(latin1(head, offset, offset + 4));
  return brands.includes('avif') || brands.includes('avis');
}

export function isExr(bytes: Uint8Array): boolean {
  return startsWith(bytes, EXR);
}

export function isHdr(bytes: Uint8Array): boolean {
  return latin1(bytes, 0, 10) === '#?RADIANCE' || latin1(bytes, 0, 6) === '#?RGBE';
}

const TGA_HEADER_BYTES = 18;
const TGA_IMAGE_TYPES = new Set([1, 2, 3, 9, 10, 11]);
const TGA_PIXEL_DEPTHS = new Set([8, 15, 16, 24, 32]);

/**
 * TGA has no magic number: this only says whether the 18 header bytes are plausible (colour-map
 * type 0/1, a known image type, a known pixel depth, a non-empty size). Every other image magic
 * fails it (PNG, JPEG, GIF, RIFF, TIFF, ISO-BMFF, EXR all have a colour-map type or image type
 * byte outside the allowed values), so a PNG renamed `.tga` is never taken for a TGA.
 */
export function isPlausibleTga(bytes: Uint8Array): boolean {
  if (bytes.length < TGA_HEADER_BYTES) return false;
  const width = bytes[12] | (bytes[13] << 8);
  const height = bytes[14] | (bytes[15] << 8);
  return (
    (bytes[1] === 0 || bytes[1] === 1) &&
    TGA_IMAGE_TYPES.has(bytes[2]) &&
    TGA_PIXEL_DEPTHS.has(bytes[16]) &&
    width > 0 &&
    height > 0
  );
}

/**
 * A zip starts with a local file header (or, empty, with its end record), and a reader finds it
 * by the end-of-central-directory record among its last bytes, whose comment length reaches the
 * end of the file exactly (as yauzl looks for it). With no tail, the head decides alone.
 */
function isZip(head: Uint8Array, tail: Uint8Array | undefined): boolean {
  if (!startsLikeZip(head)) return false;
  if (!tail) return true;
  for (let at = tail.length - ZIP_END_OF_DIRECTORY_BYTES; at >= 0; at--) {
    if (!ZIP_END_OF_DIRECTORY.every((byte, i) => tail[at + i] === byte)) continue;
    const commentLength = tail[at + 20] | (tail[at + 21] << 8);
    if (at + ZIP_END_OF_DIRECTORY_BYTES + commentLength === tail.length) return true;
  }
  return false;
}

function startsLikeZip(head: Uint8Array): boolean {
  return startsWith(head, ZIP_LOCAL_FILE) || startsWith(head, ZIP_END_OF_DIRECTORY);
}

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((byte, i) => bytes[i] === byte);
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  return bytes.length >= end
    ? Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1')
    : '';
}

function readU32BE(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset] << 24) |
      (bytes[offset + 1] << 16) |
      (bytes[offset + 2] << 8) |
      bytes[offset + 3]) >>>
    0
  );
}
