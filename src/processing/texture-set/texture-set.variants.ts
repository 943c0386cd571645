import { writeOutputAtomically } from '../atomic-output';
import { openImage, type DecodedImage } from '../image/image-decode';
import { earlierOutput } from '../step-folder';
import { parseStepOptions } from '../step-options';
import type { StepContext, StepOutput, StepRequest, StepResult } from '../step.types';
import { readLayout } from './layout';
import type { MapRole } from './map-names';
import { openMap } from './map-pixels';
import { normalConventionOf } from './texture-set.inspect';
import { NORMAL_PNG, ORM_PNG } from './texture-set.pack';

/**
 * WebP quality: colour maps as the image previews (80); data maps higher, since their values are
 * read as numbers (a normal's direction, a roughness) and lossy blocks show as lighting artefacts.
 */
const COLOUR_QUALITY = 80;
const DATA_QUALITY = 90;
const EFFORT = 4;

const COLOUR_ROLES: ReadonlySet<string> = new Set<MapRole>(['baseColor', 'emissive']);

/**
 * `variants` for texture sets: `<role>.webp` per map (`baseColor.webp`, `normal.webp`, …) plus
 * `orm.webp` when `pack` made `orm.png`, each at power-of-two sides (see {@link variantSize}) no
 * larger than `maxSize` (2048 by default). The normal variant is OpenGL: made from `normal.png`
 * when `pack` made one, else flipped here the same way.
 */
export async function buildTextureSetVariants(
  request: StepRequest,
  ctx: StepContext,
): Promise<StepResult> {
  const { maxSize } = parseStepOptions('variants', request.options);
  ctx.progress(0);
  const layout = await readLayout(request);
  const jobs: Array<{
    name: string;
    open: () => Promise<DecodedImage>;
    quality: number;
    flip: () => Promise<boolean>;
  }> = [];
  for (const map of layout.maps) {
    if (map.role === 'normal') {
      const packed = await earlierOutput(request, NORMAL_PNG);
      jobs.push({
        name: 'normal.webp',
        open: () => (packed ? openImage(packed, NORMAL_PNG) : openMap(map)),
        quality: DATA_QUALITY,
        flip: async () =>
          !packed && (await normalConventionOf(map, await openMap(map))).convention === 'directx',
      });
      continue;
    }
    jobs.push({
      name: `${map.role}.webp`,
      open: () => openMap(map),
      quality: COLOUR_ROLES.has(map.role) ? COLOUR_QUALITY : DATA_QUALITY,
      flip: () => Promise.resolve(false),
    });
  }
  const orm = await earlierOutput(request, ORM_PNG);
  if (orm) {
    jobs.push({
      name: 'orm.webp',
      open: () => openImage(orm, ORM_PNG),
      quality: DATA_QUALITY,
      flip: () => Promise.resolve(false),
    });
  }
  const outputs: StepOutput[] = [];
  // One map at a time: libvips spreads each encode over the cores already, and a 4096² decode
  // at a time bounds the memory.
  for (const [index, job] of jobs.entries()) {
    ctx.signal.throwIfAborted();
    const image = await job.open();
    const flip = await job.flip();
    const [width, height] = variantSize(image.width, image.height, maxSize);
    const path = await writeOutputAtomically(request.workDir, job.name, async (temp) => {
      try {
        let pipeline = image.pipeline().resize(width, height, { fit: 'fill' });
        if (flip)
          pipeline = pipeline.removeAlpha().toColourspace('srgb').linear([1, -1, 1], [0, 255, 0]);
        await pipeline.webp({ quality: job.quality, effort: EFFORT }).toFile(temp);
      } catch (error) {
        throw image.failure(error);
      }
    });
    outputs.push({ name: job.name, path, contentType: 'image/webp' });
    ctx.progress((index + 1) / jobs.length);
  }
  return { outputs };
}

/**
 * The size of a map's web variant: scaled to fit `maxSize` on its long side (never enlarged),
 * then each side down to a power of two (as three.js does for textures that must be): a
 * 4096×2048 map at 2048 gives 2048×1024, a 1000×600 one 512×512.
 */
export function variantSize(width: number, height: number, maxSize: number): [number, number] {
  const scale = Math.min(1, maxSize / Math.max(width, height));
  return [floorPowerOfTwo(width * scale), floorPowerOfTwo(height * scale)];
}

function floorPowerOfTwo(value: number): number {
  return 2 ** Math.floor(Math.log2(Math.max(1, value)));
}
