import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { IMAGE_FIXTURES as IMAGES } from '../../../test/support/fixtures';
import { PIPELINES } from '../pipelines';
import { StepFailedError, toStepFailure } from '../step-outcome';
import type { PipelineContext, PipelineRequest, StepName, StepResult } from '../step.types';
import { decodeOnce, openImage } from './image-decode';
import { IMAGE_STEPS, runImagePipeline, sharedDecodeSide } from './image.pipeline';

describe('runImagePipeline', () => {
  let workDir: string;
  let progress: Array<[number, number]>;
  let handedOver: Array<[number, StepResult]>;
  const ctx = (): PipelineContext => ({
    signal: new AbortController().signal,
    progress: (index, fraction) => progress.push([index, fraction]),
    stepDone: (index, result) => {
      handedOver.push([index, result]);
      return Promise.resolve();
    },
  });
  const request = (
    steps: StepName[],
    name = 'duckCM.tga',
    options: Record<string, unknown> = {},
  ): PipelineRequest => ({
    kind: 'image',
    steps,
    inputDir: IMAGES,
    primary: name,
    outputsDir: join(workDir, '..', 'no-outputs'),
    workDir,
    options,
  });
  const handedOverNames = () =>
    [...handedOver]
      .sort(([a], [b]) => a - b)
      .map(([index, result]) => [index, result.outputs.map((o) => o.name)]);

  beforeEach(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'kiln-image-pipeline-'));
    progress = [];
    handedOver = [];
  });
  afterEach(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('has a runner for exactly the steps of the image pipeline', () => {
    expect(Object.keys(IMAGE_STEPS)).toEqual(PIPELINES.image);
  });

  it.each(['duckCM.tga', 'CesiumLogoFlat.png', 'Collada_Sample.jpg'])(
    'runs inspect, render and variants on %s into one work dir, each step handing over its outputs as it ends',
    async (name) => {
      await runImagePipeline(request([...PIPELINES.image], name), ctx());
      expect(handedOverNames()).toEqual([
        [0, ['metadata.json']],
        [1, ['thumbnail.png']],
        [2, ['preview.webp']],
      ]);
      const inspect = handedOver.find(([index]) => index === 0)?.[1];
      expect(inspect?.metadata).toMatchObject({
        format: name.split('.')[1].replace('jpg', 'jpeg'),
      });
      expect((await readdir(workDir)).sort()).toEqual([
        'metadata.json',
        'preview.webp',
        'thumbnail.png',
      ]);
      expect(progress[0]).toEqual([0, 0]);
      // The steps run at once after the shared decode: each reports its own way to 1.
      for (const index of [0, 1, 2]) {
        const own = progress.filter(([i]) => i === index).map(([, fraction]) => fraction);
        expect(own[own.length - 1]).toBe(1);
        expect([...own].sort((a, b) => a - b)).toEqual(own);
      }
    },
  );

  it('hands over the steps that succeeded when another fails, and names the failing step', async () => {
    // maxSize 5 is below variants' minimum; inspect and render ignore it.
    const run = runImagePipeline(
      request([...PIPELINES.image], 'CesiumLogoFlat.png', { maxSize: 5 }),
      ctx(),
    );
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepFailedError);
    expect(toStepFailure(error)).toEqual({
      code: 'INVALID_OPTIONS',
      message: 'Option "maxSize" must be a whole number from 16 to 16383; got 5.',
      retryable: false,
      step: 'variants',
    });
    expect(handedOverNames()).toEqual([
      [0, ['metadata.json']],
      [1, ['thumbnail.png']],
    ]);
  });

  it('makes the same thumbnail from the shared decode as a step alone makes from the file', async () => {
    await runImagePipeline(request(['inspect', 'render'], 'CesiumLogoFlat.png'), ctx());
    const shared = await sharp(join(workDir, 'thumbnail.png')).raw().toBuffer();
    await rm(join(workDir, 'thumbnail.png'));
    await runImagePipeline(request(['render'], 'CesiumLogoFlat.png'), ctx());
    const alone = await sharp(join(workDir, 'thumbnail.png')).raw().toBuffer();
    expect(shared.equals(alone)).toBe(true);
  });

  it("hands each step its own options of a process task's: render takes size, variants maxSize", async () => {
    await runImagePipeline(
      {
        ...request([...PIPELINES.image], 'CesiumLogoFlat.png'),
        options: { size: 64, maxSize: 100 },
      },
      ctx(),
    );
    expect(await sharp(join(workDir, 'thumbnail.png')).metadata()).toMatchObject({ width: 64 });
    expect(await sharp(join(workDir, 'preview.webp')).metadata()).toMatchObject({ width: 100 });
  });

  it('decodes a PNG once into memory, and leaves a JPEG to shrink on load', async () => {
    const png = await openImage(join(IMAGES, 'CesiumLogoFlat.png'), 'CesiumLogoFlat.png');
    const jpeg = await openImage(join(IMAGES, 'Collada_Sample.jpg'), 'Collada_Sample.jpg');
    expect((await decodeOnce(png)).pipeline).not.toBe(png.pipeline);
    expect(await decodeOnce(jpeg)).toBe(jpeg);
    const { width, height, channels } = await (await decodeOnce(png)).pipeline().metadata();
    expect({ width, height, channels }).toEqual({ width: 211, height: 211, channels: 3 });
  });

  it("shrinks the shared decode to the largest side its steps make, keeping the file's size as the image's", async () => {
    const png = await openImage(join(IMAGES, 'CesiumLogoFlat.png'), 'CesiumLogoFlat.png');
    const shrunk = await decodeOnce(png, 100);
    const { width, height } = await shrunk.pipeline().metadata();
    expect({ width, height }).toEqual({ width: 100, height: 100 });
    expect({ width: shrunk.width, height: shrunk.height }).toEqual({ width: 211, height: 211 });
    const whole = await (await decodeOnce(png, 512)).pipeline().metadata();
    expect({ width: whole.width, height: whole.height }).toEqual({ width: 211, height: 211 });
  });

  it('needs, of a process task, the preview side; of inspect alone, its 256 px colour sample', () => {
    expect(sharedDecodeSide([...PIPELINES.image], {})).toBe(2048);
    expect(sharedDecodeSide([...PIPELINES.image], { size: 4096, maxSize: 1000 })).toBe(4096);
    expect(sharedDecodeSide(['inspect', 'render'], {})).toBe(512);
    expect(sharedDecodeSide(['inspect'], {})).toBe(256);
    expect(sharedDecodeSide(['render', 'variants'], { size: 'big' })).toBeUndefined();
  });

  it.each(['convert', 'optimize', 'pack'] as const)(
    'refuses %s with STEP_NOT_SUPPORTED before running any step',
    async (step) => {
      await expect(runImagePipeline(request(['inspect', step]), ctx())).rejects.toMatchObject({
        code: 'STEP_NOT_SUPPORTED',
        retryable: false,
        message: `Step "${step}" is not available for image assets; image assets support inspect, render, variants.`,
      });
      expect(await readdir(workDir)).toEqual([]);
    },
  );
});
