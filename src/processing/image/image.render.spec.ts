import { IMAGE_FIXTURES as IMAGES } from '../../../test/support/fixtures';
import { useStepWorkspace } from '../../../test/support/step-workspace';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { StepRequest } from '../step.types';
import { renderImage } from './image.render';

describe('renderImage', () => {
  const ws = useStepWorkspace('kiln-image-render-');
  const request = (
    name: string,
    options: Record<string, unknown> = {},
    inputPath = join(IMAGES, name),
  ): StepRequest => ({
    kind: 'image',
    step: 'render',
    ...ws.folders(inputPath),
    options,
  });
  const thumbnail = () => sharp(join(ws.workDir, 'thumbnail.png')).metadata();

  it.each([
    ['Collada_Sample.jpg', {}, 512, 512],
    ['IndoorHDRI003_1K-HDR.exr', {}, 512, 256],
    ['duckCM.tga', {}, 512, 512],
    ['CesiumLogoFlat.png', {}, 211, 211], // smaller than 512: never enlarged
    ['duckCM.tga', { size: 128 }, 128, 128],
    ['IndoorHDRI003_1K-HDR.exr', { size: 100 }, 100, 50],
    ['Collada_Sample.jpg', { size: 4096 }, 1024, 1024],
    ['CesiumLogoFlat.png', { size: 16 }, 16, 16],
  ])(
    'renders %s with options %j as a %i×%i 8-bit sRGB PNG',
    async (name, options, width, height) => {
      const result = await renderImage(request(name, options), ws.ctx());

      expect(result).toEqual({
        outputs: [
          {
            name: 'thumbnail.png',
            path: join(ws.workDir, 'thumbnail.png'),
            contentType: 'image/png',
          },
        ],
      });
      expect(await thumbnail()).toMatchObject({
        format: 'png',
        width,
        height,
        depth: 'uchar',
        space: 'srgb',
      });
      expect(await readdir(ws.workDir)).toEqual(['thumbnail.png']);
    },
  );

  it('keeps the alpha channel of a source that has one', async () => {
    await renderImage(request('UnitTests_runtime_float.tga'), ws.ctx());
    expect(await thumbnail()).toMatchObject({
      width: 256,
      height: 256,
      channels: 4,
      hasAlpha: true,
    });
  });

  it('reports ws.progress from 0 to 1, rising', async () => {
    await renderImage(request('CesiumLogoFlat.png'), ws.ctx());
    expect(ws.progress).toEqual([0, 0.2, 1]);
  });

  it.each([15, 4097, 12.5, '256', null, true])(
    'refuses size %j with INVALID_OPTIONS before reading the input',
    async (size) => {
      const run = renderImage(
        request('missing.png', { size }, join(ws.root, 'missing.png')),
        ws.ctx(),
      );
      await expect(run).rejects.toMatchObject({
        code: 'INVALID_OPTIONS',
        retryable: false,
        message: `Option "size" must be a whole number from 16 to 4096; got ${JSON.stringify(size)}.`,
      });
      expect(ws.progress).toEqual([]);
    },
  );

  it('fails a PNG truncated to half with IMAGE_CORRUPT, leaving no file behind', async () => {
    const png = await readFile(join(IMAGES, 'CesiumLogoFlat.png'));
    await writeFile(join(ws.root, 'half.png'), png.subarray(0, png.length >> 1));
    await expect(
      renderImage(request('half.png', {}, join(ws.root, 'half.png')), ws.ctx()),
    ).rejects.toMatchObject({ code: 'IMAGE_CORRUPT' });
    expect(await readdir(ws.workDir)).toEqual([]);
  });

  it('fails a JPEG whose pixels run out mid-decode with IMAGE_CORRUPT, removing the half-written temporary file', async () => {
    const jpeg = await readFile(join(IMAGES, 'Collada_Sample.jpg'));
    await writeFile(join(ws.root, 'half.jpg'), jpeg.subarray(0, jpeg.length >> 1));
    await expect(
      renderImage(request('half.jpg', {}, join(ws.root, 'half.jpg')), ws.ctx()),
    ).rejects.toMatchObject({ code: 'IMAGE_CORRUPT' });
    expect(await readdir(ws.workDir)).toEqual([]);
  });
});
