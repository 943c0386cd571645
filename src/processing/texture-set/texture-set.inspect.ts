import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { writeOutputAtomically } from '../atomic-output';
import type { DecodedImage } from '../image/image-decode';
import { parseStepOptions } from '../step-options';
import type { StepContext, StepRequest, StepResult } from '../step.types';
import { mapOf, readLayout, type SetMap, type TextureSetLayout } from './layout';
import type { MapRole } from './map-names';
import { openMap, readMapRgb } from './map-pixels';
import { guessNormalConvention, type ConventionGuess } from './normal-convention';

/** What `inspect` says of one map. */
export interface MapInfo {
  role: MapRole;
  path: string;
  /** The format its bytes are: `png`, `jpeg`, `tga`, `exr`, … */
  format: string;
  width: number;
  height: number;
  /** Bits per sample in the file (EXR and HDR: 32, float; Kiln reads them as 8-bit). */
  bitDepth: number;
  channels: number;
  hasAlpha: boolean;
  /** libvips' interpretation of the file: `srgb`, `b-w`, `rgb16`, `grey16`, … */
  colorSpace: string;
  /** How the map's values are meant: colour maps are sRGB, data maps linear (as glTF reads them). */
  encoding: 'srgb' | 'linear';
}

/** `metadata.json` of a texture set, and the asset's `metadata`. */
export interface TextureSetMetadata {
  prefix: string;
  maps: MapInfo[];
  /** The largest map's size. */
  width: number;
  height: number;
  sizesAgree: boolean;
  powerOfTwo: boolean;
  /** The normal map's convention; null without a normal map. */
  normal: ConventionGuess | null;
  /** Files of the asset that are no map of the set. */
  ignored: string[];
  warnings: string[];
}

const COLOUR_ROLES: ReadonlySet<MapRole> = new Set(['baseColor', 'emissive']);

/** The normal map is judged from a copy at most this size: slopes show at any scale. */
export const CONVENTION_SAMPLE_SIDE = 512;

export const METADATA_JSON = 'metadata.json';

/** `inspect` for texture sets: which map is which and what each holds; writes `metadata.json`. */
export async function inspectTextureSet(
  request: StepRequest,
  ctx: StepContext,
): Promise<StepResult> {
  parseStepOptions('inspect', request.options); // it takes none: refuses any
  ctx.progress(0);
  const layout = await readLayout(request);
  const opened = await Promise.all(layout.maps.map(openMap));
  ctx.progress(0.3);
  const maps = await Promise.all(layout.maps.map((map, index) => describeMap(map, opened[index])));
  const normalIndex = layout.maps.findIndex((map) => map.role === 'normal');
  const normal =
    normalIndex < 0
      ? null
      : await normalConventionOf(layout.maps[normalIndex], opened[normalIndex]);
  ctx.progress(0.8);
  const metadata = summarize(layout, maps, normal);
  const path = await writeOutputAtomically(request.workDir, METADATA_JSON, (temp) =>
    writeFile(temp, `${JSON.stringify(metadata, null, 2)}\n`),
  );
  ctx.progress(1);
  return {
    outputs: [{ name: METADATA_JSON, path, contentType: 'application/json' }],
    metadata: { ...metadata },
  };
}

/** The normal map's convention, by name or from a copy of its pixels. */
export async function normalConventionOf(
  map: SetMap,
  image: DecodedImage,
): Promise<ConventionGuess> {
  if (map.convention) return guessNormalConvention(map.convention, emptyPixels());
  const side = CONVENTION_SAMPLE_SIDE;
  return guessNormalConvention(undefined, await readMapRgb(image, side, side, 'inside'));
}

function emptyPixels() {
  return { data: Buffer.alloc(0), width: 0, height: 0, channels: 3 as const };
}

async function describeMap(map: SetMap, image: DecodedImage): Promise<MapInfo> {
  return {
    role: map.role,
    path: map.path,
    format: image.format,
    width: image.width,
    height: image.height,
    bitDepth: await bitDepthOf(map, image),
    channels: image.channels,
    hasAlpha: image.hasAlpha,
    colorSpace: image.colorSpace,
    encoding: COLOUR_ROLES.has(map.role) ? 'srgb' : 'linear',
  };
}

async function bitDepthOf(map: SetMap, image: DecodedImage): Promise<number> {
  if (image.format === 'exr' || image.format === 'hdr') return 32;
  if (image.format === 'tga') return 8;
  // The header only: sharp reads no pixel for metadata.
  const { bitsPerSample, depth } = await sharp(map.file).metadata();
  return bitsPerSample ?? (depth === 'ushort' ? 16 : depth === 'float' ? 32 : 8);
}

function summarize(
  layout: TextureSetLayout,
  maps: MapInfo[],
  normal: ConventionGuess | null,
): TextureSetMetadata {
  const width = Math.max(...maps.map((map) => map.width));
  const height = Math.max(...maps.map((map) => map.height));
  const sizesAgree = maps.every(
    (map) => map.width === maps[0].width && map.height === maps[0].height,
  );
  const notPowerOfTwo = maps.filter((map) => !isPowerOfTwo(map.width) || !isPowerOfTwo(map.height));
  const warnings: string[] = [];
  if (!mapOf(layout, 'baseColor'))
    warnings.push('No base colour map: the set is drawn light grey.');
  if (!sizesAgree) {
    const sizes = maps.map((map) => `${map.path} ${map.width}×${map.height}`).join(', ');
    warnings.push(`The maps' sizes differ (${sizes}); pack stretches them to the largest.`);
  }
  for (const map of notPowerOfTwo) {
    warnings.push(
      `${map.path} is ${map.width}×${map.height}, not a power of two on each side; the web variants are.`,
    );
  }
  if (mapOf(layout, 'roughness') && mapOf(layout, 'glossiness'))
    warnings.push('Both roughness and glossiness maps: roughness is used.');
  if (normal?.convention === 'unknown')
    warnings.push(
      'The normal map does not show whether it is OpenGL or DirectX; OpenGL (glTF) is assumed.',
    );
  for (const path of layout.ignored)
    warnings.push(`${path} is not a map of the set; it is not used.`);
  return {
    prefix: layout.prefix,
    maps,
    width,
    height,
    sizesAgree,
    powerOfTwo: notPowerOfTwo.length === 0,
    normal,
    ignored: layout.ignored,
    warnings,
  };
}

export function isPowerOfTwo(value: number): boolean {
  return value > 0 && (value & (value - 1)) === 0;
}
