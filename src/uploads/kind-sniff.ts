import type { AssetKind } from '../contract';

/** An upload's kind and source format, decided from its bytes. */
export interface SniffedKind {
  kind: AssetKind;
  /** e.g. `png`, `jpeg`, `tga`, `exr`. */
  format: string;
}

/**
 * How many leading bytes of a file `sniffKind` wants. Images need under 64 (an AVIF `ftyp` box
 * with its brand list); the rest leaves room for the text formats of later kinds (OBJ, PLY,
 * .gltf JSON), which need a few kilobytes of context. Shorter heads (small files) are fine.
 */
export const SNIFF_BYTES = 4100;

type Sniffer = (head: Buffer, filename: string) => SniffedKind | undefined;

/**
 * Decides an upload's kind from its first bytes (`SNIFF_BYTES` of them). The name's extension is
 * never trusted over the bytes: a `.png` holding a JPEG is a JPEG, and random bytes named `.png`
 * are nothing. The one exception is TGA, which has no magic number: it needs the `.tga`
 * extension and a plausible header. Undefined means unsupported (the caller answers 415).
 */
export function sniffKind(head: Buffer, filename: string): SniffedKind | undefined {
  for (const sniff of SNIFFERS) {
    const found = sniff(head, filename);
    if (found) return found;
  }
  return undefined;
}

function sniffImage(head: Buffer, filename: string): SniffedKind | undefined {
  const format =
    imageFormatByMagic(head) ??
    (extensionOf(filename) === 'tga' && isPlausibleTga(head) ? 'tga' : undefined);
  return format ? { kind: 'image', format } : undefined;
}

/** Kinds in the order they are tried; the mesh, texture-set (.zip) and substance (.sbsar) issues add theirs here. */
const SNIFFERS: readonly Sniffer[] = [sniffImage];

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];
const EXR = [0x76, 0x2f, 0x31, 0x01];
const TIFF_LE = [0x49, 0x49, 0x2a, 0x00];
const TIFF_BE = [0x4d, 0x4d, 0x00, 0x2a];
const BIGTIFF_LE = [0x49, 0x49, 0x2b, 0x00]; // libtiff reads BigTIFF too
const BIGTIFF_BE = [0x4d, 0x4d, 0x00, 0x2b];

function imageFormatByMagic(head: Buffer): string | undefined {
  if (startsWith(head, PNG)) return 'png';
  if (startsWith(head, JPEG)) return 'jpeg';
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return 'webp';
  if ([TIFF_LE, TIFF_BE, BIGTIFF_LE, BIGTIFF_BE].some((magic) => startsWith(head, magic)))
    return 'tiff';
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a') return 'gif';
  if (isAvif(head)) return 'avif';
  if (startsWith(head, EXR)) return 'exr';
  if (ascii(head, 0, 10) === '#?RADIANCE' || ascii(head, 0, 6) === '#?RGBE') return 'hdr';
  return undefined;
}

/** An ISO-BMFF `ftyp` box whose major or compatible brands include `avif` (still) or `avis` (sequence). */
function isAvif(head: Buffer): boolean {
  if (head.length < 16 || ascii(head, 4, 8) !== 'ftyp') return false;
  const boxEnd = Math.min(head.readUInt32BE(0), head.length);
  const brands = [ascii(head, 8, 12)];
  for (let offset = 16; offset + 4 <= boxEnd; offset += 4)
    brands.push(ascii(head, offset, offset + 4));
  return brands.includes('avif') || brands.includes('avis');
}

const TGA_IMAGE_TYPES = new Set([1, 2, 3, 9, 10, 11]);
const TGA_PIXEL_DEPTHS = new Set([8, 15, 16, 24, 32]);

/** TGA has no magic: its 18-byte header must at least make sense. */
function isPlausibleTga(head: Buffer): boolean {
  if (head.length < 18) return false;
  return (
    (head[1] === 0 || head[1] === 1) &&
    TGA_IMAGE_TYPES.has(head[2]) &&
    TGA_PIXEL_DEPTHS.has(head[16]) &&
    head.readUInt16LE(12) > 0 &&
    head.readUInt16LE(14) > 0
  );
}

function startsWith(head: Buffer, magic: readonly number[]): boolean {
  return head.length >= magic.length && magic.every((byte, i) => head[i] === byte);
}

function ascii(head: Buffer, start: number, end: number): string {
  return head.length >= end ? head.toString('latin1', start, end) : '';
}

function extensionOf(filename: string): string {
  const dot = filename.lastIndexOf('.');
  return dot < 0 ? '' : filename.slice(dot + 1).toLowerCase();
}
