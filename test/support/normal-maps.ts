import { join } from 'node:path';
import sharp from 'sharp';
import { FIXTURES } from './fixtures';

const METAL = join(FIXTURES, 'texture-set/Metal007_1K');

/**
 * A tangent-space normal map of the Metal007 displacement (a real relief), OpenGL (green = slope
 * down the rows) or DirectX (green negated), at `side`².
 */
export async function normalsFromHeight(
  side: number,
  convention: 'opengl' | 'directx',
): Promise<Buffer> {
  const { data } = await sharp(join(METAL, 'Metal007_1K_Displacement.jpg'))
    .resize(side, side)
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const out = Buffer.alloc(side * side * 3);
  const h = (x: number, y: number) =>
    data[Math.min(side - 1, Math.max(0, y)) * side + Math.min(side - 1, Math.max(0, x))] / 255;
  const strength = 8;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const dx = ((h(x + 1, y) - h(x - 1, y)) / 2) * strength;
      const dRow = ((h(x, y + 1) - h(x, y - 1)) / 2) * strength;
      // OpenGL: n ∝ (−∂h/∂x, −∂h/∂y, 1) with y up, i.e. +∂h/∂row in green.
      const n = [-dx, convention === 'opengl' ? dRow : -dRow, 1];
      const length = Math.hypot(n[0], n[1], n[2]);
      for (let c = 0; c < 3; c++)
        out[(y * side + x) * 3 + c] = Math.round((n[c] / length + 1) * 127.5);
    }
  }
  return sharp(out, { raw: { width: side, height: side, channels: 3 } })
    .png()
    .toBuffer();
}
