/**
 * How linear HDR values become displayable 8-bit sRGB.
 * - `clamp`: values above 1 saturate. An LDR picture stored as float (a texture exported to EXR)
 *   comes back unchanged, and an HDRI looks the way image viewers show it at exposure 0.
 * - `reinhard`: x / (1 + x) per channel; keeps highlight detail but darkens mid-tones (1.0 → 0.5).
 */
export type ToneMapping = 'clamp' | 'reinhard';

export interface ToneMapOptions {
  toneMapping: ToneMapping;
  /** Linear multiplier applied before tone mapping. */
  exposure: number;
  /** The source rows run bottom-up (three's EXRLoader output); the result is always top-down. */
  bottomUp: boolean;
}

/**
 * Turns RGBA half floats (three's `HalfFloatType` output: 4 values per pixel) into interleaved
 * 8-bit pixels with `channels` channels (1 grey = R, 2 = R + A, 3 = RGB, 4 = RGBA). Colour goes
 * through exposure, tone mapping and the sRGB transfer curve; alpha is linear, only clamped.
 * Every half float has a precomputed 8-bit answer (a 64 K table), so each value is one lookup.
 */
export function toneMapHalfRgba(
  data: Uint16Array,
  width: number,
  height: number,
  channels: 1 | 2 | 3 | 4,
  options: ToneMapOptions,
): Buffer {
  const colourTable = colourLookup(options.toneMapping, options.exposure);
  const alphaTable = alphaLookup();
  const out = Buffer.allocUnsafe(width * height * channels);
  const picks = CHANNEL_PICKS[channels];
  for (let y = 0; y < height; y++) {
    const sourceRow = options.bottomUp ? height - 1 - y : y;
    let source = sourceRow * width * 4;
    let target = y * width * channels;
    for (let x = 0; x < width; x++, source += 4) {
      for (const pick of picks) {
        out[target++] = (pick === 3 ? alphaTable : colourTable)[data[source + pick]];
      }
    }
  }
  return out;
}

const CHANNEL_PICKS: Readonly<Record<1 | 2 | 3 | 4, readonly number[]>> = {
  1: [0],
  2: [0, 3],
  3: [0, 1, 2],
  4: [0, 1, 2, 3],
};

const colourTables = new Map<string, Uint8Array>();
let alphaTable: Uint8Array | undefined;

function colourLookup(toneMapping: ToneMapping, exposure: number): Uint8Array {
  const key = `${toneMapping}:${exposure}`;
  let table = colourTables.get(key);
  if (!table) {
    table = new Uint8Array(65536);
    for (let half = 0; half < 65536; half++) {
      const linear = halfToFloat(half) * exposure;
      const mapped = toneMapping === 'reinhard' ? linear / (1 + linear) : linear;
      table[half] = Math.round(encodeSrgb(clampUnit(mapped)) * 255);
    }
    colourTables.set(key, table);
  }
  return table;
}

function alphaLookup(): Uint8Array {
  if (!alphaTable) {
    alphaTable = new Uint8Array(65536);
    for (let half = 0; half < 65536; half++)
      alphaTable[half] = Math.round(clampUnit(halfToFloat(half)) * 255);
  }
  return alphaTable;
}

/** NaN and negatives become 0, +∞ and anything above 1 become 1. */
function clampUnit(value: number): number {
  return value > 0 ? Math.min(value, 1) : 0;
}

/** The sRGB transfer function (IEC 61966-2-1), linear 0-1 → encoded 0-1. */
export function encodeSrgb(linear: number): number {
  return linear <= 0.0031308 ? linear * 12.92 : 1.055 * Math.pow(linear, 1 / 2.4) - 0.055;
}

/** IEEE 754 binary16 → number. */
export function halfToFloat(half: number): number {
  const sign = half & 0x8000 ? -1 : 1;
  const exponent = (half >> 10) & 0x1f;
  const fraction = half & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
