import type { Texture } from '@gltf-transform/core';
import sharp from 'sharp';

/** A base-colour texture as the rasterizer samples it: 8-bit sRGB RGBA, top row first. */
export interface RenderTexture {
  width: number;
  height: number;
  /** RGBA, `width * height * 4` bytes, sRGB-encoded colour, linear alpha (as glTF stores them). */
  data: Uint8Array;
  /** Whether any texel has alpha below 255 (an alpha-mask test is needed only then). */
  hasAlpha: boolean;
}

export interface TextureDecodeOptions {
  /**
   * Longest side the texture is decoded to. A 512² thumbnail shows at most about that many texels
   * of any one texture, and a smaller texture is sampled faster.
   */
  maxSide: number;
  /** Pixel count sharp refuses to decode beyond (a decompression-bomb guard). */
  limitInputPixels: number;
}

export const TEXTURE_DECODE_DEFAULTS: Readonly<TextureDecodeOptions> = {
  maxSide: 512,
  limitInputPixels: 16384 * 16384,
};

/**
 * Decodes a glTF texture's image to raw RGBA at most `maxSide` on its long side. Returns `null`
 * with a reason when sharp cannot read it (KTX2/Basis, a corrupt image): the model is then drawn
 * with its base-colour factor only, which still makes a useful thumbnail.
 */
export async function decodeRenderTexture(
  texture: Texture,
  options: TextureDecodeOptions = TEXTURE_DECODE_DEFAULTS,
): Promise<RenderTexture | { failure: string }> {
  const image = texture.getImage();
  if (!image || image.byteLength === 0) return { failure: 'it has no image data' };
  try {
    const { data, info } = await sharp(image, {
      limitInputPixels: options.limitInputPixels,
      failOn: 'error',
    })
      .resize(options.maxSide, options.maxSide, { fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return { width: info.width, height: info.height, data: bytes, hasAlpha: anyTranslucent(bytes) };
  } catch (error) {
    return { failure: error instanceof Error ? error.message : String(error) };
  }
}

function anyTranslucent(rgba: Uint8Array): boolean {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return true;
  return false;
}
