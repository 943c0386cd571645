import type { NamedConvention } from './map-names';
import type { RawPixels } from './map-pixels';

/** How a normal map stores Y: OpenGL (green up, glTF's) or DirectX (green down). */
export type NormalConvention = 'opengl' | 'directx';

export interface ConventionGuess {
  convention: NormalConvention | 'unknown';
  /** Where the answer comes from: the file's name (`_NormalGL`, `_NormalDX`) or its pixels. */
  source: 'name' | 'pixels';
  /**
   * For a guess from pixels: the correlation (−1…1) between the two mixed derivatives of the
   * surface the map describes, read as OpenGL; near 0 when the map says too little to tell.
   */
  correlation?: number;
}

/** Below this |correlation| the pixels do not tell (a flat map, stripes along one axis). */
export const CONVENTION_THRESHOLD = 0.2;

/**
 * Whether a tangent-space normal map is OpenGL or DirectX, by its name when it says, else by its
 * pixels. A normal map describes the slopes of a height field: read as OpenGL, `p = −x/z` is the
 * slope along a row and `q = y/z` the slope down a column, and a real surface's slopes satisfy
 * ∂p/∂row = ∂q/∂column (its mixed derivatives agree). A DirectX map read as OpenGL has `q`
 * negated, so the two derivatives anti-correlate. The sign of their correlation gives the
 * convention; any bumpy map decides it, and only maps whose relief runs along one axis do not.
 */
export function guessNormalConvention(named: NamedConvention, pixels: RawPixels): ConventionGuess {
  if (named) return { convention: named, source: 'name' };
  const correlation = mixedDerivativeCorrelation(pixels);
  const convention =
    correlation > CONVENTION_THRESHOLD
      ? 'opengl'
      : correlation < -CONVENTION_THRESHOLD
        ? 'directx'
        : 'unknown';
  return { convention, source: 'pixels', correlation: Math.round(correlation * 1000) / 1000 };
}

/** The correlation described above, over every inner pixel (0 when either derivative is flat). */
export function mixedDerivativeCorrelation({ data, width, height, channels }: RawPixels): number {
  if (channels < 3 || width < 3 || height < 3) return 0;
  const p = new Float32Array(width * height);
  const q = new Float32Array(width * height);
  for (let i = 0, o = 0; i < p.length; i++, o += channels) {
    const z = Math.max(data[o + 2] / 127.5 - 1, 0.1); // grazing normals would blow the slopes up
    p[i] = -(data[o] / 127.5 - 1) / z;
    q[i] = (data[o + 1] / 127.5 - 1) / z;
  }
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const a = p[i + width] - p[i - width]; // ∂p/∂row
      const b = q[i + 1] - q[i - 1]; // ∂q/∂column
      ab += a * b;
      aa += a * a;
      bb += b * b;
    }
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}
