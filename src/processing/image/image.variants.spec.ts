import { IMAGE_FIXTURES as IMAGES } from '../../../test/support/fixtures';
import { useStepWorkspace } from '../../../test/support/step-workspace';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { StepRequest } from '../step.types';
import { buildImageVariants } from './image.variants';

describe('buildImageVariants', () => {
  const ws = useStepWorkspace('kiln-image-variants-');
  const request = (inputPath: string, options: Record<string, unknown> = {}): StepRequest => ({
    kind: 'image',
    step: 'variants',
    ...ws.folders(inputPath),
    options,
  });
  const preview = () => sharp(join(ws.workDir, 'preview.webp')).metadata();

  it('scales a 3000×1500 image down to a 2048×1024 WebP preview', async () => {
    const input = join(ws.root, 'wide.png');
    await sharp({ create: { width: 3000, height: 1500, channels: 3, background: '#336699' } })
      .png()
      .toFile(input);

    const result = await buildImageVariants(request(input), ws.ctx());

    expect(result).toEqual({
      outputs: [
        { name: 'preview.webp', path: join(ws.workDir, 'preview.webp'), contentType: 'image/webp' },
      ],
    });
    expect(await preview()).toMatchObject({ format: 'webp', width: 2048, height: 1024 });
    expect(await readdir(ws.workDir)).toEqual(['preview.webp']);
    expect(ws.progress).toEqual([0, 0.2, 1]);
  });

  it.each([
    ['Collada_Sample.jpg', {}, 1024, 1024, false], // smaller than 2048: never enlarged
    ['IndoorHDRI003_1K-HDR.exr', {}, 1024, 512, false], // its A channel is all 1: libwebp drops an opaque alpha
    ['duckCM.tga', { maxSize: 300 }, 300, 300, false],
    ['IndoorHDRI003_1K-HDR.exr', { maxSize: 256 }, 256, 128, false],
  ])(
    'turns %s with options %j into a %i×%i WebP (alpha: %s)',
    async (name, options, width, height, hasAlpha) => {
      await buildImageVariants(request(join(IMAGES, name), options), ws.ctx());
      expect(await preview()).toMatchObject({ format: 'webp', width, height, hasAlpha });
    },
  );

  it('keeps real transparency', async () => {
    const input = join(ws.root, 'glass.png');
    await sharp({
      create: {
        width: 64,
        height: 32,
        channels: 4,
        background: { r: 0, g: 128, b: 255, alpha: 0.5 },
      },
    })
      .png()
      .toFile(input);
    await buildImageVariants(request(input), ws.ctx());
    expect(await preview()).toMatchObject({
      format: 'webp',
      width: 64,
      height: 32,
      hasAlpha: true,
    });
  });

  it.each([8, 16384, 1.5, '2048'])('refuses maxSize %j with INVALID_OPTIONS', async (maxSize) => {
    await expect(
      buildImageVariants(request(join(IMAGES, 'duckCM.tga'), { maxSize }), ws.ctx()),
    ).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
      retryable: false,
      message: `Option "maxSize" must be a whole number from 16 to 16383; got ${JSON.stringify(maxSize)}.`,
    });
    expect(await readdir(ws.workDir)).toEqual([]);
  });
});
