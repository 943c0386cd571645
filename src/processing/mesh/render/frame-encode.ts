import sharp from 'sharp';

export interface AnimationEncodeOptions {
  /** How long each frame shows, in milliseconds. */
  frameDelayMs: number;
  /** WebP quality (lossy), 1-100. */
  quality: number;
  /** WebP encoder effort, 0 (fastest) - 6 (smallest). */
  effort: number;
}

/** Writes `size × size` RGBA (not premultiplied) as an 8-bit PNG with alpha. */
export async function writePng(
  rgba: Uint8Array,
  size: number,
  path: string,
  compressionLevel: number,
): Promise<void> {
  await sharp(rgba, { raw: { width: size, height: size, channels: 4 } })
    .png({ compressionLevel })
    .toFile(path);
}

/**
 * Writes `frames` square RGBA frames of side `size`, stacked top to bottom in `rgba`, as an
 * animated WebP that loops forever. sharp takes the stack as one tall image cut into pages of
 * `pageHeight` rows.
 */
export async function writeAnimatedWebp(
  rgba: Uint8Array,
  size: number,
  frames: number,
  path: string,
  options: AnimationEncodeOptions,
): Promise<void> {
  await sharp(rgba, {
    raw: { width: size, height: size * frames, channels: 4, pageHeight: size },
  })
    .webp({
      loop: 0,
      delay: new Array<number>(frames).fill(options.frameDelayMs),
      quality: options.quality,
      effort: options.effort,
    })
    .toFile(path);
}
