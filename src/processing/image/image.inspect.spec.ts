import { IMAGE_FIXTURES as IMAGES } from '../../../test/support/fixtures';
import { useStepWorkspace } from '../../../test/support/step-workspace';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { ProcessingError } from '../processing.error';
import type { StepRequest } from '../step.types';
import { inspectImage } from './image.inspect';

describe('inspectImage', () => {
  const ws = useStepWorkspace('kiln-image-inspect-');
  const request = (inputPath: string): StepRequest => ({
    kind: 'image',
    step: 'inspect',
    ...ws.folders(inputPath),
    options: {},
  });

  /** Writes a broken input beside (not in) the work dir. */
  const brokenInput = async (name: string, bytes: Buffer) => {
    await writeFile(join(ws.root, name), bytes);
    return join(ws.root, name);
  };

  it.each([
    [
      'CesiumLogoFlat.png',
      { width: 211, height: 211, channels: 3, colorSpace: 'srgb', hasAlpha: false, format: 'png' },
    ],
    [
      'Collada_Sample.jpg',
      {
        width: 1024,
        height: 1024,
        channels: 3,
        colorSpace: 'srgb',
        hasAlpha: false,
        format: 'jpeg',
      },
    ],
    [
      'duckCM.tga',
      { width: 512, height: 512, channels: 3, colorSpace: 'srgb', hasAlpha: false, format: 'tga' },
    ],
    [
      'UnitTests_runtime_float.tga',
      { width: 256, height: 256, channels: 4, colorSpace: 'srgb', hasAlpha: true, format: 'tga' },
    ],
    [
      'IndoorHDRI003_1K-HDR.exr',
      { width: 1024, height: 512, channels: 4, colorSpace: 'scrgb', hasAlpha: true, format: 'exr' },
    ],
  ])('reports %s and writes the same facts to metadata.json', async (name, facts) => {
    const result = await inspectImage(request(join(IMAGES, name)), ws.ctx());

    expect(result.metadata).toEqual({
      ...facts,
      dominantColor: expect.stringMatching(/^#[0-9a-f]{6}$/),
    });
    expect(result.outputs).toEqual([
      {
        name: 'metadata.json',
        path: join(ws.workDir, 'metadata.json'),
        contentType: 'application/json',
      },
    ]);
    expect(JSON.parse(await readFile(join(ws.workDir, 'metadata.json'), 'utf8'))).toEqual(
      result.metadata,
    );
    expect(await readdir(ws.workDir)).toEqual(['metadata.json']);
  });

  it('finds the yellow of the duck texture and the cyan of the runtime TGA as dominant colours', async () => {
    const duck = await inspectImage(request(join(IMAGES, 'duckCM.tga')), ws.ctx());
    const cyan = await inspectImage(request(join(IMAGES, 'UnitTests_runtime_float.tga')), ws.ctx());
    // sharp's dominant colour is the centre of a 16-level-per-channel histogram bin.
    expect([duck.metadata?.dominantColor, cyan.metadata?.dominantColor]).toEqual([
      '#f8d808',
      '#08f8f8',
    ]);
  });

  /** A 64×32 RGBA PNG: its left three quarters transparent black, its right quarter opaque red. */
  async function redBesideTransparentBlack(bitDepth: 8 | 16): Promise<string> {
    const [width, height, max] = [64, 32, bitDepth === 8 ? 255 : 65535];
    const raw =
      bitDepth === 8 ? new Uint8Array(width * height * 4) : new Uint16Array(width * height * 4);
    for (let i = 0; i < width * height; i++) if (i % width >= 48) raw.set([max, 0, 0, max], i * 4);
    const path = join(ws.root, `red-${bitDepth}.png`);
    const image = sharp(raw, { raw: { width, height, channels: 4 } });
    await (bitDepth === 16 ? image.toColourspace('rgb16') : image).png().toFile(path);
    expect(await sharp(path).metadata()).toMatchObject({
      channels: 4,
      hasAlpha: true,
      depth: bitDepth === 8 ? 'uchar' : 'ushort',
    });
    return path;
  }

  it.each([8, 16] as const)(
    'does not count transparent pixels in the dominant colour: a %i-bit PNG three quarters transparent black, one quarter red, is red',
    async (bitDepth) => {
      const path = await redBesideTransparentBlack(bitDepth);
      const result = await inspectImage(request(path), ws.ctx());
      expect(result.metadata).toMatchObject({ hasAlpha: true, dominantColor: '#f80808' });
    },
  );

  it('refuses any option, since inspect takes none', async () => {
    const run = inspectImage(
      {
        ...request(join(IMAGES, 'CesiumLogoFlat.png')),
        options: { size: 64 },
      },
      ws.ctx(),
    );
    await expect(run).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
      message: 'Unknown option "size"; step "inspect" takes no options.',
    });
    expect(await readdir(ws.workDir)).toEqual([]);
  });

  it('reports ws.progress from 0 to 1, rising, with a step in between', async () => {
    await inspectImage(request(join(IMAGES, 'CesiumLogoFlat.png')), ws.ctx());
    expect(ws.progress).toEqual([0, 0.2, 0.8, 1]);
  });

  it('stops with the signal’s reason when aborted, leaving no file', async () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled by the user'));
    const run = inspectImage(request(join(IMAGES, 'CesiumLogoFlat.png')), {
      signal: controller.signal,
      progress: () => undefined,
    });
    await expect(run).rejects.toThrow('cancelled by the user');
    expect(await readdir(ws.workDir)).toEqual([]);
  });

  it('fails a PNG truncated to half with IMAGE_CORRUPT, leaving no file', async () => {
    const png = await readFile(join(IMAGES, 'CesiumLogoFlat.png'));
    const input = await brokenInput('half.png', png.subarray(0, png.length >> 1));
    const error = await inspectImage(request(input), ws.ctx()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessingError);
    expect(error).toMatchObject({
      code: 'IMAGE_CORRUPT',
      retryable: false,
      message:
        'The file could not be decoded as a PNG image: it is truncated or corrupt. Re-export it and upload again.',
    });
    expect(await readdir(ws.workDir)).toEqual([]);
  });

  it('fails a JPEG truncated to half with IMAGE_CORRUPT (it gets past the header; the pixels run out)', async () => {
    const jpeg = await readFile(join(IMAGES, 'Collada_Sample.jpg'));
    const input = await brokenInput('half.jpg', jpeg.subarray(0, jpeg.length >> 1));
    await expect(inspectImage(request(input), ws.ctx())).rejects.toMatchObject({
      code: 'IMAGE_CORRUPT',
      retryable: false,
      message:
        'The file could not be decoded as a JPEG image: it is truncated or corrupt. Re-export it and upload again.',
    });
    expect(await readdir(ws.workDir)).toEqual([]);
  });
});
