import type { Document, Texture } from '@gltf-transform/core';
import { EXTTextureWebP } from '@gltf-transform/extensions';
import { compressTexture, getTextureColorSpace } from '@gltf-transform/functions';
import type { default as sharp, Sharp, SharpOptions } from 'sharp';

export interface TextureWebpOptions {
  /** Longest side a texture keeps, in pixels; larger ones shrink to fit (aspect kept), smaller ones are never enlarged. */
  maxSize: number;
  /** A texture with more pixels is not decoded (libvips' memory is not bounded by the thread's heap). */
  pixelLimit: number;
  /** Lossy WebP quality of colour (sRGB) textures. */
  quality: number;
}

export const TEXTURE_WEBP_DEFAULTS: Readonly<TextureWebpOptions> = {
  maxSize: 2048,
  pixelLimit: 16383 * 16383, // as for images: sharp's own default
  quality: 80, // sharp's default
};

/** The image formats sharp decodes here; anything else (KTX2, …) is left as it is. */
const CONVERTIBLE = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/avif']);

export interface TextureWebpReport {
  /** Textures now stored as WebP. */
  webp: number;
  /** Textures left as they were, and why. */
  warnings: string[];
}

/**
 * Re-encodes every texture as WebP of at most `maxSize` px a side, one at a time (each sharp call
 * already uses every core, and at once they would hold every decoded texture in memory).
 * Colour textures are lossy; data textures (normal, metal-rough, occlusion) are near-lossless,
 * because lossy WebP halves chroma resolution and so blurs channels that hold independent data.
 * A texture sharp cannot read stays as it was, with a warning: one bad image does not sink the model.
 */
export async function texturesToWebp(
  document: Document,
  encoder: typeof sharp,
  options: Partial<TextureWebpOptions> = {},
  progress: (fraction: number) => void = () => undefined,
): Promise<TextureWebpReport> {
  const settings = { ...TEXTURE_WEBP_DEFAULTS, ...options };
  const strictEncoder = (input: Uint8Array, sharpOptions?: SharpOptions): Sharp =>
    encoder(input, { ...sharpOptions, limitInputPixels: settings.pixelLimit, failOn: 'error' });
  const textures = document.getRoot().listTextures();
  const warnings: string[] = [];
  for (const [index, texture] of textures.entries()) {
    const label = textureLabel(texture, index);
    const mimeType = texture.getMimeType();
    if (!CONVERTIBLE.has(mimeType)) {
      warnings.push(
        `Texture ${label} (${mimeType || 'unknown type'}) kept as it is: not an image sharp reads.`,
      );
    } else if (!isSmallWebp(texture, settings.maxSize)) {
      const colour = getTextureColorSpace(texture) === 'srgb';
      try {
        await compressTexture(texture, {
          encoder: strictEncoder,
          targetFormat: 'webp',
          resize: [settings.maxSize, settings.maxSize],
          ...(colour ? { quality: settings.quality } : { nearLossless: true }),
        });
      } catch (error) {
        warnings.push(`Texture ${label} kept as ${mimeType}: ${(error as Error).message}`);
      }
    }
    progress((index + 1) / textures.length);
  }
  const webp = textures.filter((texture) => texture.getMimeType() === 'image/webp').length;
  // Required: a viewer without WebP support cannot show these textures, and there is no fallback.
  if (webp > 0) document.createExtension(EXTTextureWebP).setRequired(true);
  return { webp, warnings };
}

/** Already WebP and small enough: re-encoding would only lose quality. */
function isSmallWebp(texture: Texture, maxSize: number): boolean {
  if (texture.getMimeType() !== 'image/webp') return false;
  const size = texture.getSize();
  return size !== null && size[0] <= maxSize && size[1] <= maxSize;
}

function textureLabel(texture: Texture, index: number): string {
  const name = texture.getName() || texture.getURI();
  return name ? `"${name}"` : `#${index}`;
}
