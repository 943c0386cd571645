import { randomBytes } from 'node:crypto';
import sharp from 'sharp';

/**
 * A square of RGB noise, barely compressed: 4096² (~50 MB) runs for a second or more on any
 * machine, long enough to signal a worker or restart Redis while it runs; 512² takes a few
 * hundred milliseconds.
 */
export function noisePng(size: number): Promise<Buffer> {
  return sharp(randomBytes(size * size * 3), { raw: { width: size, height: size, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
}
