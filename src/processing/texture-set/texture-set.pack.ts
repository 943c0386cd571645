import sharp from 'sharp';
import { writeOutputAtomically } from '../atomic-output';
import type { DecodedImage } from '../image/image-decode';
import { parseStepOptions } from '../step-options';
import type { StepContext, StepOutput, StepRequest, StepResult } from '../step.types';
import { normalConventionOf } from './texture-set.inspect';
import { mapOf, readLayout, type SetMap, type TextureSetLayout } from './layout';
import { openMap, readMapChannel, type MapChannel } from './map-pixels';

export const ORM_PNG = 'orm.png';
export const NORMAL_PNG = 'normal.png';

/** Where one channel of the ORM texture comes from: a map's channel, inverted or not, or a constant. */
type ChannelSource = { map: SetMap; channel: MapChannel; invert: boolean } | { constant: number };

/** PNG compression for the packed maps: level 6 (zlib's default) balances size and time. */
const PNG_COMPRESSION = 6;

/**
 * `pack` for texture sets: `orm.png` in glTF order, R occlusion (255 without one), G roughness
 * (glossiness inverted), B metallic (0 without one), taken from separate maps first, else from a
 * packed ORM or glTF metallicRoughness map; its size is the largest of those maps', the others
 * stretched to it. `normal.png`: the normal map in OpenGL convention (glTF's), its green channel
 * flipped when the map is DirectX by name or by its pixels. Each is written only when the set
 * has what it needs; every channel goes through libvips (extract, negate, join, `linear`), no
 * JavaScript loop over pixels.
 */
export async function packTextureSet(request: StepRequest, ctx: StepContext): Promise<StepResult> {
  parseStepOptions('pack', request.options); // it takes none: refuses any
  ctx.progress(0);
  const layout = await readLayout(request);
  const outputs: StepOutput[] = [];
  const sources = ormSources(layout);
  if (sources) {
    const path = await writeOutputAtomically(request.workDir, ORM_PNG, (temp) =>
      writeOrm(sources, temp),
    );
    outputs.push({ name: ORM_PNG, path, contentType: 'image/png' });
  }
  ctx.progress(0.6);
  const normal = mapOf(layout, 'normal');
  let flipped = false;
  if (normal) {
    const image = await openMap(normal);
    const { convention } = await normalConventionOf(normal, image);
    flipped = convention === 'directx';
    const path = await writeOutputAtomically(request.workDir, NORMAL_PNG, (temp) =>
      writeOpenGlNormal(image, flipped, temp),
    );
    outputs.push({ name: NORMAL_PNG, path, contentType: 'image/png' });
  }
  ctx.progress(1);
  return { outputs, metadata: { packed: { orm: Boolean(sources), normalFlipped: flipped } } };
}

/** The three sources of the ORM texture, or undefined when the set has none of them. */
export function ormSources(
  layout: TextureSetLayout,
): [ChannelSource, ChannelSource, ChannelSource] | undefined {
  const orm = mapOf(layout, 'orm');
  const metallicRoughness = mapOf(layout, 'metallicRoughness');
  const occlusion = mapOf(layout, 'occlusion');
  const roughness = mapOf(layout, 'roughness');
  const glossiness = mapOf(layout, 'glossiness');
  const metallic = mapOf(layout, 'metallic');
  const grey = (map: SetMap, invert = false): ChannelSource => ({ map, channel: 'grey', invert });
  const packed = (map: SetMap, channel: 0 | 1 | 2): ChannelSource => ({
    map,
    channel,
    invert: false,
  });
  const r: ChannelSource = occlusion ? grey(occlusion) : orm ? packed(orm, 0) : { constant: 255 };
  const g: ChannelSource = roughness
    ? grey(roughness)
    : glossiness
      ? grey(glossiness, true)
      : orm
        ? packed(orm, 1)
        : metallicRoughness
          ? packed(metallicRoughness, 1)
          : { constant: 255 };
  const b: ChannelSource = metallic
    ? grey(metallic)
    : orm
      ? packed(orm, 2)
      : metallicRoughness
        ? packed(metallicRoughness, 2)
        : { constant: 0 };
  const channels: [ChannelSource, ChannelSource, ChannelSource] = [r, g, b];
  return channels.some((source) => 'map' in source) ? channels : undefined;
}

async function writeOrm(
  sources: [ChannelSource, ChannelSource, ChannelSource],
  path: string,
): Promise<void> {
  const maps = [...new Set(sources.flatMap((source) => ('map' in source ? [source.map] : [])))];
  const images = new Map<SetMap, DecodedImage>(
    await Promise.all(maps.map(async (map) => [map, await openMap(map)] as const)),
  );
  const width = Math.max(...[...images.values()].map((image) => image.width));
  const height = Math.max(...[...images.values()].map((image) => image.height));
  // One 8-bit plane per channel (16 MiB each at 4096²), the constant ones filled in place.
  const planes = await Promise.all(
    sources.map(async (source) => {
      if ('constant' in source) return Buffer.alloc(width * height, source.constant);
      const image = images.get(source.map) as DecodedImage; // every map of `sources` was opened
      return readMapChannel(image, source.channel, width, height, source.invert);
    }),
  );
  const raw = { width, height, channels: 1 as const };
  await sharp(planes[0], { raw })
    .joinChannel([planes[1], planes[2]], { raw })
    .toColourspace('srgb') // three channels joined: RGB, written as is
    .png({ compressionLevel: PNG_COMPRESSION })
    .toFile(path);
}

/** The normal map as 8-bit RGB PNG, green flipped (255 − g) when `flip`, by libvips' `linear`. */
async function writeOpenGlNormal(image: DecodedImage, flip: boolean, path: string): Promise<void> {
  try {
    let pipeline = image.pipeline().removeAlpha().toColourspace('srgb');
    if (flip) pipeline = pipeline.linear([1, -1, 1], [0, 255, 0]);
    await pipeline.png({ compressionLevel: PNG_COMPRESSION }).toFile(path);
  } catch (error) {
    throw image.failure(error);
  }
}
