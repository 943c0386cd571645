import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { removeTemporaryFolders, temporaryFolder } from '../../../../test/support/mesh-load-input';
import sharp from 'sharp';
import { FIXTURES } from '../../../../test/support/fixtures';
import { listAssetFiles } from './resolve-reference';
import { TextureFiles, toEmbeddableImage } from './texture-files';

const IMAGES = join(FIXTURES, 'image');

describe('toEmbeddableImage', () => {
  afterAll(removeTemporaryFolders);

  it('keeps PNG and JPEG bytes as they are', async () => {
    const png = await readFile(join(IMAGES, 'CesiumLogoFlat.png'));
    const jpeg = await readFile(join(IMAGES, 'Collada_Sample.jpg'));
    expect(await toEmbeddableImage(png, 'a.png')).toEqual({
      bytes: png,
      mimeType: 'image/png',
      name: 'a.png',
    });
    expect(await toEmbeddableImage(jpeg, 'b.jpg')).toEqual({
      bytes: jpeg,
      mimeType: 'image/jpeg',
      name: 'b.jpg',
    });
  });

  it('decodes a TGA into a PNG of the same size', async () => {
    const image = await toEmbeddableImage(await readFile(join(IMAGES, 'duckCM.tga')), 'duckCM.tga');
    expect(image.mimeType).toBe('image/png');
    const { width, height, format } = await sharp(image.bytes).metadata();
    expect([format, width, height]).toEqual(['png', 512, 512]);
  });

  it('re-encodes WebP as PNG', async () => {
    const webp = await sharp({ create: { width: 4, height: 2, channels: 3, background: '#f00' } })
      .webp()
      .toBuffer();
    const image = await toEmbeddableImage(webp, 'a.webp');
    expect(image.mimeType).toBe('image/png');
    expect((await sharp(image.bytes).metadata()).width).toBe(4);
  });

  it('refuses a BMP, a truncated PNG and text with a reason', async () => {
    const bmp = Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)]);
    await expect(toEmbeddableImage(bmp, 'a.bmp')).rejects.toThrow(
      'is not an image format Kiln reads (PNG, JPEG, TGA, WebP, GIF, TIFF, AVIF)',
    );
    const png = await readFile(join(IMAGES, 'CesiumLogoFlat.png'));
    await expect(toEmbeddableImage(png.subarray(0, 20), 'cut.png')).rejects.toThrow(
      /^is not a readable image/,
    );
    await expect(toEmbeddableImage(Buffer.from('hello'), 'a.png')).rejects.toThrow(
      /^is not an image format/,
    );
  });
});

describe('TextureFiles', () => {
  it('reads each file once, and turns missing and unreadable textures into warnings', async () => {
    const dir = await temporaryFolder();
    await writeFile(join(dir, 'a.png'), await readFile(join(IMAGES, 'CesiumLogoFlat.png')));
    await writeFile(join(dir, 'broken.jpg'), 'not a jpeg');
    const warnings: string[] = [];
    const textures = new TextureFiles(await listAssetFiles(dir), warnings);
    const first = await textures.fromReference('m.mtl', 'A.PNG');
    expect(await textures.fromReference('m.mtl', 'a.png')).toBe(first);
    expect(await textures.fromReference('m.mtl', 'missing.png')).toBeUndefined();
    expect(await textures.fromReference('m.mtl', 'broken.jpg')).toBeUndefined();
    expect(warnings).toEqual([
      'm.mtl: texture "missing.png" is not found in the upload',
      'm.mtl: texture "broken.jpg" (broken.jpg) is not an image format Kiln reads (PNG, JPEG, TGA, WebP, GIF, TIFF, AVIF)',
    ]);
  });
});
