import sharp from 'sharp';

/** A 16×16 PNG of one colour picked by `seed`: distinct bytes per seed, processed in milliseconds. */
export function tinyPng(seed: number): Promise<Buffer> {
  const background = { r: seed % 256, g: Math.floor(seed / 256) % 256, b: 77 };
  return sharp({ create: { width: 16, height: 16, channels: 3, background } })
    .png()
    .toBuffer();
}
