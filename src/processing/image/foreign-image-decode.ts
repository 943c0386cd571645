import type { DataTextureLoaderTexData } from 'three';
import { requireEsm } from '../esm-require';
import type { ForeignImageHeader } from './image-format';
import { ImageHeaderError } from './image-format';
import { toneMapHalfRgba, type ToneMapping } from './tone-map';

/** Interleaved 8-bit pixels, top row first: what sharp takes as `raw` input. */
export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

export interface ForeignDecodeOptions {
  toneMapping: ToneMapping;
  exposure: number;
}

type ThreeParser = { parse(buffer: ArrayBuffer): DataTextureLoaderTexData };

/** A fresh loader each time; Node's module cache loads three (~150 ms) once, on first use. */
function createLoader(format: ForeignImageHeader['format']): ThreeParser {
  switch (format) {
    case 'tga': {
      const { TGALoader } = requireEsm<typeof import('three/examples/jsm/loaders/TGALoader.js')>(
        'three/examples/jsm/loaders/TGALoader.js',
      );
      return new TGALoader();
    }
    case 'exr': {
      const { EXRLoader } = requireEsm<typeof import('three/examples/jsm/loaders/EXRLoader.js')>(
        'three/examples/jsm/loaders/EXRLoader.js',
      );
      return new EXRLoader(); // HalfFloatType and RGBAFormat by default: 8 bytes a pixel
    }
    case 'hdr': {
      const { HDRLoader } = requireEsm<typeof import('three/examples/jsm/loaders/HDRLoader.js')>(
        'three/examples/jsm/loaders/HDRLoader.js',
      );
      return new HDRLoader(); // HalfFloatType by default
    }
  }
}

/**
 * Decodes a TGA, OpenEXR or Radiance HDR file (already checked by its header reader, including the
 * pixel limit) with three's loader, into 8-bit pixels for sharp. Row order, as three returns it:
 * TGALoader honours the file's origin bit and returns rows top-down (its `flipY: true` is for
 * WebGL); EXRLoader returns them bottom-up (`flipY: false`); HDRLoader returns file order, which
 * for the only layout it reads (`-Y h +X w`) is top-down. Float formats are tone-mapped to sRGB.
 */
export function decodeForeignImage(
  bytes: Buffer,
  header: ForeignImageHeader,
  options: ForeignDecodeOptions,
): RawImage {
  const { width, height, channels } = header;
  const buffer = bytes.buffer.slice(
    bytes.byteOffset,
    bytes.byteOffset + bytes.byteLength,
  ) as ArrayBuffer;
  const parsed = createLoader(header.format).parse(buffer);
  const data = parsed.data;
  // The loaders live in Node's realm, not jest's, so `instanceof` is not used on what they return.
  if (
    parsed.width !== width ||
    parsed.height !== height ||
    !ArrayBuffer.isView(data) ||
    data.length < width * height * 4
  ) {
    throw new ImageHeaderError('decoded size does not match the header');
  }
  if (header.format === 'tga') {
    return {
      data: packRgba8(data as Uint8Array, width, height, channels),
      width,
      height,
      channels,
    };
  }
  if (data.BYTES_PER_ELEMENT !== 2) throw new ImageHeaderError('expected half floats');
  const pixels = toneMapHalfRgba(data as Uint16Array, width, height, channels, {
    ...options,
    bottomUp: header.format === 'exr',
  });
  return { data: pixels, width, height, channels };
}

/** Keeps `channels` of each RGBA pixel (1 = R of a grey image, 2 = R + A). */
function packRgba8(
  rgba: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 2 | 3 | 4,
): Buffer {
  const pixels = width * height;
  if (channels === 4) return Buffer.from(rgba.buffer, rgba.byteOffset, pixels * 4);
  const out = Buffer.allocUnsafe(pixels * channels);
  for (let i = 0, o = 0; i < pixels * 4; i += 4) {
    out[o++] = rgba[i];
    if (channels === 3) {
      out[o++] = rgba[i + 1];
      out[o++] = rgba[i + 2];
    } else if (channels === 2) {
      out[o++] = rgba[i + 3];
    }
  }
  return out;
}
