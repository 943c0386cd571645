/** An 8-bit sRGB colour. */
export interface Rgb {
  r: number;
  g: number;
  b: number;
}

const LEVELS = 16; // per channel, as sharp's `stats().dominant`
const BIN_WIDTH = 256 / LEVELS;

/**
 * The most common colour of 8-bit pixels (1 grey, 2 grey+alpha, 3 RGB or 4 RGBA channels),
 * answered as the centre of its bin of 16 levels per channel. Each pixel counts as much as it is
 * opaque, so transparent areas (often stored as black) do not count, and faint ones count little.
 * An image with no opaque pixel at all counts every pixel alike rather than answer nothing.
 */
export function dominantColor(pixels: Uint8Array, channels: 1 | 2 | 3 | 4): Rgb {
  const hasAlpha = channels === 2 || channels === 4;
  const weights = new Float64Array(LEVELS ** 3);
  const counts = new Uint32Array(LEVELS ** 3);
  for (let i = 0; i + channels <= pixels.length; i += channels) {
    const r = pixels[i];
    const g = channels >= 3 ? pixels[i + 1] : r;
    const b = channels >= 3 ? pixels[i + 2] : r;
    const bin =
      (Math.floor(r / BIN_WIDTH) * LEVELS + Math.floor(g / BIN_WIDTH)) * LEVELS +
      Math.floor(b / BIN_WIDTH);
    weights[bin] += hasAlpha ? pixels[i + channels - 1] : 255;
    counts[bin] += 1;
  }
  const totalWeight = weights.reduce((sum, weight) => sum + weight, 0);
  const bin = indexOfMax(totalWeight > 0 ? weights : counts);
  const centre = (level: number) => level * BIN_WIDTH + BIN_WIDTH / 2;
  return {
    r: centre(Math.floor(bin / LEVELS ** 2)),
    g: centre(Math.floor(bin / LEVELS) % LEVELS),
    b: centre(bin % LEVELS),
  };
}

/** The first index of the largest value. */
function indexOfMax(values: Float64Array | Uint32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
