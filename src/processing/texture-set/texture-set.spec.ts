import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { FIXTURES } from '../../../test/support/fixtures';
import { normalsFromHeight } from '../../../test/support/normal-maps';
import { useStepWorkspace } from '../../../test/support/step-workspace';
import { openImage } from '../image/image-decode';
import type { StepFolders } from '../step.types';
import { mixedDerivativeCorrelation } from './normal-convention';
import type { RawPixels } from './map-pixels';
import { inspectTextureSet, type TextureSetMetadata } from './texture-set.inspect';
import { packTextureSet } from './texture-set.pack';
import { renderTextureSet } from './texture-set.render';
import { buildTextureSetVariants, variantSize } from './texture-set.variants';

const METAL = join(FIXTURES, 'texture-set/Metal007_1K');

/** Grey 8-bit pixels of a file, as sharp decodes them. */
async function grey(path: string): Promise<RawPixels> {
  const { data, info } = await sharp(path)
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 1 };
}

describe('texture-set steps', () => {
  const workspace = useStepWorkspace('kiln-texture-set-');

  /** A set folder holding `files` (name → bytes or a fixture path), primary the first. */
  async function setOf(files: Record<string, Buffer | string>): Promise<StepFolders> {
    const dir = await mkdtemp(join(workspace.root, 'input-'));
    for (const [name, content] of Object.entries(files)) {
      if (typeof content === 'string') await copyFile(content, join(dir, name));
      else await writeFile(join(dir, name), content);
    }
    return workspace.folders(join(dir, Object.keys(files)[0]));
  }
  const run = <T>(step: (r: never, c: never) => Promise<T>, folders: StepFolders, options = {}) =>
    step(
      { ...folders, kind: 'texture-set', step: 'inspect', options } as never,
      workspace.ctx() as never,
    );

  it('inspect names each map exactly, with its size, depth and encoding, and warns of what is missing', async () => {
    const folders = await setOf({
      'Metal007_1K_Roughness.jpg': join(METAL, 'Metal007_1K_Roughness.jpg'),
      'Metal007_1K_Metalness.jpg': join(METAL, 'Metal007_1K_Metalness.jpg'),
      'Metal007_1K_Displacement.jpg': join(METAL, 'Metal007_1K_Displacement.jpg'),
      'Metal007_1K_Normal.png': await normalsFromHeight(300, 'directx'),
      'notes.txt': Buffer.from('hello'),
    });
    await run(inspectTextureSet, folders);
    const metadata = JSON.parse(
      await readFile(join(workspace.workDir, 'metadata.json'), 'utf8'),
    ) as TextureSetMetadata;
    expect(metadata.prefix).toBe('Metal007_1K');
    expect(
      metadata.maps.map(({ role, path, width, height, bitDepth, encoding, hasAlpha }) => [
        role,
        path,
        width,
        height,
        bitDepth,
        encoding,
        hasAlpha,
      ]),
    ).toEqual([
      ['normal', 'Metal007_1K_Normal.png', 300, 300, 8, 'linear', false],
      ['roughness', 'Metal007_1K_Roughness.jpg', 1024, 1024, 8, 'linear', false],
      ['metallic', 'Metal007_1K_Metalness.jpg', 1024, 1024, 8, 'linear', false],
      ['height', 'Metal007_1K_Displacement.jpg', 1024, 1024, 8, 'linear', false],
    ]);
    expect(metadata).toMatchObject({
      width: 1024,
      height: 1024,
      sizesAgree: false,
      powerOfTwo: false,
      ignored: ['notes.txt'],
    });
    expect(metadata.normal).toMatchObject({ convention: 'directx', source: 'pixels' });
    expect(metadata.warnings).toEqual([
      'No base colour map: the set is drawn light grey.',
      "The maps' sizes differ (Metal007_1K_Normal.png 300×300, Metal007_1K_Roughness.jpg 1024×1024, Metal007_1K_Metalness.jpg 1024×1024, Metal007_1K_Displacement.jpg 1024×1024); pack stretches them to the largest.",
      'Metal007_1K_Normal.png is 300×300, not a power of two on each side; the web variants are.',
      'notes.txt is not a map of the set; it is not used.',
    ]);
  });

  it('guesses the convention of a real relief from its pixels: OpenGL correlates, DirectX anti-correlates', async () => {
    for (const [convention, sign] of [
      ['opengl', 1],
      ['directx', -1],
    ] as const) {
      const { data, info } = await sharp(await normalsFromHeight(256, convention))
        .raw()
        .toBuffer({ resolveWithObject: true });
      const correlation = mixedDerivativeCorrelation({
        data,
        width: info.width,
        height: info.height,
        channels: 3,
      });
      expect(correlation * sign).toBeGreaterThan(0.5);
    }
  });

  it('pack writes orm.png in glTF order: R occlusion, G roughness, B metallic, pixel for pixel', async () => {
    const folders = await setOf({
      'Metal007_1K_AO.jpg': join(METAL, 'Metal007_1K_Displacement.jpg'),
      'Metal007_1K_Roughness.jpg': join(METAL, 'Metal007_1K_Roughness.jpg'),
      'Metal007_1K_Metalness.jpg': join(METAL, 'Metal007_1K_Metalness.jpg'),
    });
    const result = await run(packTextureSet, folders);
    expect(result.outputs.map((o) => o.name)).toEqual(['orm.png']);
    const orm = await sharp(join(workspace.workDir, 'orm.png'))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(orm.info).toMatchObject({ width: 1024, height: 1024, channels: 3 });
    const sources = await Promise.all(
      ['Displacement', 'Roughness', 'Metalness'].map((name) =>
        grey(join(METAL, `Metal007_1K_${name}.jpg`)),
      ),
    );
    for (const [x, y] of [
      [0, 0],
      [511, 300],
      [1023, 1023],
      [77, 900],
    ]) {
      const i = y * 1024 + x;
      expect([...orm.data.subarray(i * 3, i * 3 + 3)]).toEqual(
        sources.map((source) => source.data[i]),
      );
    }
  });

  it('pack inverts glossiness into roughness and fills a missing occlusion with 255 and metallic with 0', async () => {
    const gloss = await sharp(join(METAL, 'Metal007_1K_Roughness.jpg'))
      .toColourspace('b-w')
      .negate()
      .png()
      .toBuffer();
    const folders = await setOf({
      'm_Glossiness.png': gloss,
      'm_Height.jpg': join(METAL, 'Metal007_1K_Displacement.jpg'),
    });
    await run(packTextureSet, folders);
    const orm = await sharp(join(workspace.workDir, 'orm.png')).raw().toBuffer();
    const roughness = await grey(join(METAL, 'Metal007_1K_Roughness.jpg'));
    for (const i of [0, 5000, 1024 * 1024 - 1]) {
      expect([...orm.subarray(i * 3, i * 3 + 3)]).toEqual([255, roughness.data[i], 0]);
    }
  });

  it.each(['m_NormalDX.png', 'm_Normal.png'])(
    'pack flips the green channel of a DirectX normal map (%s) into normal.png',
    async (name) => {
      const dx = await normalsFromHeight(128, 'directx');
      const folders = await setOf({
        [name]: dx,
        'm_Roughness.jpg': join(METAL, 'Metal007_1K_Roughness.jpg'),
      });
      const result = await run(packTextureSet, folders);
      expect(result.metadata).toEqual({ packed: { orm: true, normalFlipped: true } });
      const source = await sharp(dx).raw().toBuffer();
      const out = await sharp(join(workspace.workDir, 'normal.png')).raw().toBuffer();
      for (const i of [0, 1000, 128 * 128 - 1]) {
        expect([out[i * 3], out[i * 3 + 1], out[i * 3 + 2]]).toEqual([
          source[i * 3],
          255 - source[i * 3 + 1],
          source[i * 3 + 2],
        ]);
      }
      const gl = await sharp(await normalsFromHeight(128, 'opengl'))
        .raw()
        .toBuffer();
      // The OpenGL map made directly differs only by rounding (x.5 rounds up on both sides).
      expect(Math.max(...out.map((value, i) => Math.abs(value - gl[i])))).toBe(1);
    },
  );

  it('variants: one WebP per map and the ORM, power-of-two sides, at most maxSize', async () => {
    const folders = await setOf({
      'm_Roughness.jpg': join(METAL, 'Metal007_1K_Roughness.jpg'),
      'm_Normal.png': await normalsFromHeight(300, 'opengl'),
    });
    await run(packTextureSet, folders);
    const result = await run(buildTextureSetVariants, folders, { maxSize: 512 });
    const sizes = await Promise.all(
      result.outputs.map(async (o) => {
        const { width, height, format } = await sharp(o.path).metadata();
        return [o.name, format, width, height];
      }),
    );
    expect(sizes).toEqual([
      ['normal.webp', 'webp', 256, 256],
      ['roughness.webp', 'webp', 512, 512],
      ['orm.webp', 'webp', 512, 512],
    ]);
    expect(variantSize(4096, 2048, 2048)).toEqual([2048, 1024]);
    expect(variantSize(1000, 600, 2048)).toEqual([512, 512]);
  });

  it('render draws a lit sphere wearing the base colour: opaque in the middle, transparent in the corners', async () => {
    const red = await sharp({
      create: { width: 64, height: 64, channels: 3, background: '#c02020' },
    })
      .png()
      .toBuffer();
    const folders = await setOf({
      'm_BaseColor.png': red,
      'm_Normal.png': await normalsFromHeight(64, 'opengl'),
    });
    await run(renderTextureSet, folders, { size: 64 });
    const { data, info } = await sharp(join(workspace.workDir, 'thumbnail.png'))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(info).toMatchObject({ width: 64, height: 64, channels: 4 });
    const at = (x: number, y: number) => [...data.subarray((y * 64 + x) * 4, (y * 64 + x) * 4 + 4)];
    expect(at(0, 0)[3]).toBe(0);
    const [r, g, b, a] = at(32, 32);
    expect(a).toBe(255);
    expect(r).toBeGreaterThan(g * 2);
    expect(g).toBe(b);
  });

  it('reads maps through the image decoders: a TGA base colour comes out upright, as the image steps read it', async () => {
    const tga = join(FIXTURES, 'image/duckCM.tga');
    const folders = await setOf({
      'duck_BaseColor.tga': tga,
      'duck_Roughness.jpg': join(METAL, 'Metal007_1K_Roughness.jpg'),
    });
    await run(inspectTextureSet, folders);
    const metadata = JSON.parse(
      await readFile(join(workspace.workDir, 'metadata.json'), 'utf8'),
    ) as TextureSetMetadata;
    expect(metadata.maps[0]).toMatchObject({
      role: 'baseColor',
      format: 'tga',
      bitDepth: 8,
      encoding: 'srgb',
    });
    const result = await run(buildTextureSetVariants, folders, { maxSize: 64 });
    const variant = result.outputs.find((o) => o.name === 'baseColor.webp');
    const image = await openImage(tga, 'duckCM.tga');
    const expected = await image
      .pipeline()
      .resize(64, 64, { fit: 'fill' })
      .removeAlpha()
      .raw()
      .toBuffer();
    const actual = await sharp(variant?.path).removeAlpha().raw().toBuffer();
    // Lossy WebP: close, not equal; an upside-down copy would be far off.
    const meanError =
      actual.reduce((sum, value, i) => sum + Math.abs(value - expected[i]), 0) / actual.length;
    expect(meanError).toBeLessThan(8);
  });

  it('fails with TEXTURE_SET_EMPTY when no file is named as a map, and IMAGE_CORRUPT for a map that is not an image', async () => {
    const empty = await setOf({ 'notes.txt': Buffer.from('x') });
    await expect(run(inspectTextureSet, empty)).rejects.toMatchObject({
      code: 'TEXTURE_SET_EMPTY',
    });
    const png = await readFile(join(FIXTURES, 'texture-set/Cube_gltf/Cube_MetallicRoughness.png'));
    const broken = await setOf({
      'x_Roughness.png': png.subarray(0, png.length / 2),
      'x_Metallic.jpg': join(METAL, 'Metal007_1K_Metalness.jpg'),
    });
    await expect(run(packTextureSet, broken)).rejects.toMatchObject({ code: 'IMAGE_CORRUPT' });
  });
});
