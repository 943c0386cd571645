import { readFile, stat } from 'node:fs/promises';
import sharp from 'sharp';
import { decodeForeignImage } from '../../image/foreign-image-decode';
import { IMAGE_PIXEL_LIMIT } from '../../image/image-decode';
import { readTgaHeader } from '../../image/image-format';
import { readBlobUrl, TEXTURE_SOURCE } from './node-shims';
import {
  assetPath,
  resolveReference,
  type AssetFiles,
  type ResolvedReference,
} from './resolve-reference';

/** Image bytes a GLB can hold as they are. */
export interface EmbeddableImage {
  bytes: Uint8Array;
  mimeType: 'image/png' | 'image/jpeg';
  /** The file it came from (relative to the asset's folder), or the name an embedded image had. */
  name: string;
}

/** A texture file larger than this is refused (a 16K RGBA PNG is well under it). */
export const TEXTURE_MAX_BYTES = 512 * 1024 * 1024;

const SHARP_OPTIONS = { limitInputPixels: IMAGE_PIXEL_LIMIT, failOn: 'error' } as const;

/**
 * The textures one model references: each resolved inside the asset's folder (see
 * `resolveReference`), read once, and turned into PNG or JPEG bytes. A texture that is missing,
 * outside the folder, or not a readable image becomes a warning, never a failure of the model.
 */
export class TextureFiles {
  private readonly byPath = new Map<string, Promise<EmbeddableImage | undefined>>();

  constructor(
    readonly assets: AssetFiles,
    private readonly warnings: string[],
  ) {}

  /** The image a model or material file names, or undefined (with a warning) when it cannot be used. */
  async fromReference(
    referringFile: string,
    reference: string,
  ): Promise<EmbeddableImage | undefined> {
    const resolved: ResolvedReference = resolveReference(this.assets, referringFile, reference);
    if (!resolved.found) {
      this.warn(`${referringFile}: texture "${reference}" ${resolved.problem}`);
      return undefined;
    }
    let image = this.byPath.get(resolved.path);
    if (image === undefined) {
      image = this.readFile(resolved.path, referringFile, reference);
      this.byPath.set(resolved.path, image);
    }
    return image;
  }

  /** An image the model file holds itself (an FBX's embedded video content). */
  async fromBytes(
    bytes: Uint8Array,
    name: string,
    referringFile: string,
  ): Promise<EmbeddableImage | undefined> {
    try {
      return await toEmbeddableImage(bytes, name);
    } catch (error) {
      this.warn(`${referringFile}: embedded texture "${name}" ${describe(error)}`);
      return undefined;
    }
  }

  private async readFile(
    relative: string,
    referringFile: string,
    reference: string,
  ): Promise<EmbeddableImage | undefined> {
    try {
      const path = assetPath(this.assets, relative);
      const { size } = await stat(path);
      if (size > TEXTURE_MAX_BYTES) {
        throw new Error(`is larger than ${TEXTURE_MAX_BYTES / 1024 / 1024} MB`);
      }
      return await toEmbeddableImage(await readFile(path), relative);
    } catch (error) {
      this.warn(`${referringFile}: texture "${reference}" (${relative}) ${describe(error)}`);
      return undefined;
    }
  }

  private warn(message: string): void {
    if (!this.warnings.includes(message)) this.warnings.push(message);
  }
}

/**
 * PNG and JPEG bytes as they are (their header checked by sharp); TGA decoded by three's loader and
 * WebP, GIF, TIFF and AVIF by sharp, re-encoded as PNG. Throws with a reason otherwise.
 */
export async function toEmbeddableImage(bytes: Uint8Array, name: string): Promise<EmbeddableImage> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isPng(buffer) || isJpeg(buffer)) {
    try {
      await sharp(buffer, SHARP_OPTIONS).metadata();
    } catch (error) {
      throw new Error(`is not a readable image (${describe(error)})`);
    }
    return { bytes, mimeType: isPng(buffer) ? 'image/png' : 'image/jpeg', name };
  }
  if (/\.tga$/i.test(name) || looksLikeTga(buffer)) {
    let header;
    try {
      header = readTgaHeader(buffer);
    } catch (error) {
      throw new Error(`is not a readable TGA image (${describe(error)})`);
    }
    if (header.width * header.height > IMAGE_PIXEL_LIMIT) {
      throw new Error(`has more than ${IMAGE_PIXEL_LIMIT} pixels`);
    }
    const raw = decodeForeignImage(buffer, header, { toneMapping: 'clamp', exposure: 1 });
    const png = await sharp(raw.data, {
      ...SHARP_OPTIONS,
      raw: { width: raw.width, height: raw.height, channels: raw.channels },
    })
      .png()
      .toBuffer();
    return { bytes: png, mimeType: 'image/png', name };
  }
  try {
    const png = await sharp(buffer, SHARP_OPTIONS).png().toBuffer();
    return { bytes: png, mimeType: 'image/png', name };
  } catch {
    throw new Error('is not an image format Kiln reads (PNG, JPEG, TGA, WebP, GIF, TIFF, AVIF)');
  }
}

function isPng(bytes: Buffer): boolean {
  return bytes.length > 8 && bytes.readUInt32BE(0) === 0x89504e47;
}

function isJpeg(bytes: Buffer): boolean {
  return bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** TGA has no magic number: an uncompressed or RLE true-colour/grey type with a sane depth. */
function looksLikeTga(bytes: Buffer): boolean {
  return (
    bytes.length > 18 && [2, 3, 10, 11].includes(bytes[2]) && [8, 16, 24, 32].includes(bytes[16])
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The image behind a texture a three loader made through the recording loader (see node-shims):
 * a `data:` URI or `blob:` URL of an image the model file embeds, or a file name it references,
 * resolved from `referringFile` inside the asset's folder.
 */
export function recordedTextureImage(
  textures: TextureFiles,
  referringFile: string,
): (texture: {
  name: string;
  userData: Record<string, unknown>;
}) => Promise<EmbeddableImage | undefined> {
  return async (texture) => {
    const source = texture.userData[TEXTURE_SOURCE];
    if (typeof source !== 'string' || source === '') return undefined;
    if (source.startsWith('data:')) {
      const comma = source.indexOf(',');
      const bytes = Buffer.from(source.slice(comma + 1), 'base64');
      return textures.fromBytes(bytes, texture.name || 'embedded image', referringFile);
    }
    if (source.startsWith('blob:')) {
      const bytes = await readBlobUrl(source);
      if (bytes === undefined) return undefined;
      return textures.fromBytes(bytes, texture.name || 'embedded image', referringFile);
    }
    return textures.fromReference(referringFile, source);
  };
}
