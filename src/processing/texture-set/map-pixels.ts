import type { Sharp } from 'sharp';
import { openImage, type DecodedImage } from '../image/image-decode';
import type { SetMap } from './layout';

/** A map's pixels as 8-bit raw samples, top row first. */
export interface RawPixels {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

/** Which samples to take of a map: its grey level, or one channel of its RGB (a packed map's). */
export type MapChannel = 'grey' | 0 | 1 | 2;

/** Opens a map through the image steps' decoders (TGA, EXR and HDR included; TGA comes out upright). */
export function openMap(map: SetMap): Promise<DecodedImage> {
  return openImage(map.file, map.path);
}

/**
 * One channel of a map, 8-bit, inverted (255 − v) when `invert`, stretched to `width × height` when its size differs: libvips does
 * the resize, the colour conversion and the channel pick in one pass, no JavaScript loop.
 */
export async function readMapChannel(
  image: DecodedImage,
  channel: MapChannel,
  width: number,
  height: number,
  invert = false,
): Promise<Buffer> {
  const pipeline = sized(image, width, height).removeAlpha();
  const picked =
    channel === 'grey'
      ? pipeline.toColourspace('b-w')
      : pipeline.toColourspace('srgb').extractChannel(channel);
  try {
    return await (invert ? picked.negate() : picked).raw({ depth: 'uchar' }).toBuffer();
  } catch (error) {
    throw image.failure(error);
  }
}

/** A map's RGB at `width × height` (at most that size on its long side when `fit` is `inside`). */
export async function readMapRgb(
  image: DecodedImage,
  width: number,
  height: number,
  fit: 'fill' | 'inside' = 'fill',
): Promise<RawPixels> {
  try {
    const { data, info } = await sized(image, width, height, fit)
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: 3 };
  } catch (error) {
    throw image.failure(error);
  }
}

function sized(
  image: DecodedImage,
  width: number,
  height: number,
  fit: 'fill' | 'inside' = 'fill',
): Sharp {
  const pipeline = image.pipeline();
  if (fit === 'inside') {
    return pipeline.resize(width, height, { fit: 'inside', withoutEnlargement: true });
  }
  return image.width === width && image.height === height
    ? pipeline
    : pipeline.resize(width, height, { fit: 'fill' });
}
