import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { IMAGE_FIXTURES as IMAGES } from '../../test/support/fixtures';
import runStepTask from './step.worker';
import type { PipelineRequest } from './step.types';

/** Everything posted on the port so far. */
function drain(port: MessagePort): unknown[] {
  const messages: unknown[] = [];
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port))
    messages.push(m.message);
  return messages;
}

describe('step.worker (the piscina task entry, called in this thread)', () => {
  let workDir: string;
  let channel: MessageChannel;
  const request = (over: Partial<PipelineRequest>): PipelineRequest => ({
    kind: 'image',
    steps: ['render'],
    inputPath: join(IMAGES, 'duckCM.tga'),
    filename: 'duckCM.tga',
    workDir,
    options: {},
    ...over,
  });
  const run = (over: Partial<PipelineRequest>) =>
    runStepTask({ request: request(over), progressPort: channel.port2 });

  beforeEach(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'kiln-step-worker-'));
    channel = new MessageChannel();
  });
  afterEach(async () => {
    channel.port1.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it('runs an image step, answers { ok: true, result } and posts its progress fractions', async () => {
    expect(await run({ steps: ['render'], options: { size: 64 } })).toEqual({
      ok: true,
      result: {
        outputs: [
          { name: 'thumbnail.png', path: join(workDir, 'thumbnail.png'), contentType: 'image/png' },
        ],
      },
    });
    expect(drain(channel.port1)).toEqual([
      [0, 0],
      [0, 0.2],
      [0, 1],
    ]);
    expect(await readdir(workDir)).toEqual(['thumbnail.png']);
  });

  it('runs a whole pipeline in one call: every output, merged metadata, progress per step', async () => {
    const outcome = await run({
      steps: ['inspect', 'render', 'variants'],
      inputPath: join(IMAGES, 'CesiumLogoFlat.png'),
      filename: 'CesiumLogoFlat.png',
    });
    expect(outcome.ok && outcome.result.outputs.map((o) => o.name)).toEqual([
      'metadata.json',
      'thumbnail.png',
      'preview.webp',
    ]);
    expect(outcome.ok && outcome.result.metadata).toMatchObject({
      width: 211,
      height: 211,
      format: 'png',
    });
    const steps = (drain(channel.port1) as Array<[number, number]>).map(([index]) => index);
    expect([...new Set(steps)]).toEqual([0, 1, 2]);
  });

  it('answers bad input as plain data: { ok: false, error } with the stable code', async () => {
    expect(await run({ inputPath: join(IMAGES, 'duckCM.tga'), filename: 'duck.png' })).toEqual({
      ok: false,
      error: {
        code: 'IMAGE_CORRUPT',
        message:
          'The file could not be decoded as a PNG image: its content is not PNG data, nor any other image format Kiln reads (PNG, JPEG, WebP, TIFF, GIF, AVIF, TGA, OpenEXR or Radiance HDR). Re-export it and upload again.',
        retryable: false,
      },
    });
  });

  it('answers invalid options with INVALID_OPTIONS', async () => {
    expect(await run({ options: { size: 5000 } })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_OPTIONS', retryable: false },
    });
  });

  it('answers an option no step of the task takes with INVALID_OPTIONS, before any work', async () => {
    expect(
      await run({ steps: ['inspect', 'render', 'variants'], options: { size: 64, dpi: 300 } }),
    ).toEqual({
      ok: false,
      error: {
        code: 'INVALID_OPTIONS',
        message: 'Unknown option "dpi"; the options here are size (render), maxSize (variants).',
        retryable: false,
      },
    });
    expect(await readdir(workDir)).toEqual([]);
  });

  it.each([
    ['mesh', 'inspect', 'Step "inspect" is not available for mesh assets.'],
    [
      'image',
      'convert',
      'Step "convert" is not available for image assets; image assets support inspect, render, variants.',
    ],
  ] as const)('answers a %s %s step with STEP_NOT_SUPPORTED', async (kind, step, message) => {
    expect(await run({ kind, steps: [step] })).toEqual({
      ok: false,
      error: { code: 'STEP_NOT_SUPPORTED', message, retryable: false },
    });
  });

  it('answers an unexpected failure (the input file is gone) with STEP_CRASHED, retryable', async () => {
    const outcome = await run({ inputPath: join(workDir, 'gone.png'), filename: 'gone.png' });
    expect(outcome).toMatchObject({ ok: false, error: { code: 'STEP_CRASHED', retryable: true } });
    expect(outcome.ok ? '' : outcome.error.message).toMatch(
      /^The render step stopped on an unexpected error: ENOENT/,
    );
  });
});
