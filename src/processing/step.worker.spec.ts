import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { IMAGE_FIXTURES as IMAGES } from '../../test/support/fixtures';
import type { PipelineMessage } from './step-outcome';
import runPipelineTask from './step.worker';
import type { PipelineRequest } from './step.types';

/** Everything posted on the port so far. */
function drain(port: MessagePort): PipelineMessage[] {
  const messages: PipelineMessage[] = [];
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port))
    messages.push(m.message as PipelineMessage);
  return messages;
}

describe('step.worker (the piscina task entry, called in this thread)', () => {
  let workDir: string;
  let channel: MessageChannel;
  const request = (over: Partial<PipelineRequest>): PipelineRequest => ({
    kind: 'image',
    steps: ['render'],
    inputDir: IMAGES,
    primary: 'duckCM.tga',
    outputsDir: join(workDir, '..', 'no-outputs'),
    workDir,
    options: {},
    ...over,
  });
  const run = (over: Partial<PipelineRequest>) =>
    runPipelineTask({ request: request(over), progressPort: channel.port2 });

  beforeEach(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'kiln-step-worker-'));
    channel = new MessageChannel();
  });
  afterEach(async () => {
    channel.port1.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it('runs an image step, posts its progress, then hands its output over hashed and read-only', async () => {
    expect(await run({ steps: ['render'], options: { size: 64 } })).toEqual({ ok: true });
    const messages = drain(channel.port1);
    expect(messages.slice(0, 3)).toEqual([
      { type: 'progress', stepIndex: 0, fraction: 0, at: expect.any(Number) as number },
      { type: 'progress', stepIndex: 0, fraction: 0.2, at: expect.any(Number) as number },
      { type: 'progress', stepIndex: 0, fraction: 1, at: expect.any(Number) as number },
    ]);
    const thumbnail = join(workDir, 'thumbnail.png');
    const bytes = await readFile(thumbnail);
    expect(messages[3]).toEqual({
      type: 'step-done',
      stepIndex: 0,
      outputs: [
        {
          name: 'thumbnail.png',
          contentType: 'image/png',
          path: expect.stringMatching(new RegExp(`^${workDir}/\\.handoff-[0-9a-f]{16}$`)),
          sha256: createHash('sha256').update(bytes).digest('hex'),
          bytes: bytes.length,
        },
      ],
    });
    expect(messages).toHaveLength(4);
    // The handed-over path is the same file under a name of its own: moving it away leaves the
    // output where later steps read it.
    const handedOver = messages[3].type === 'step-done' ? messages[3].outputs[0].path : '';
    expect((await stat(handedOver)).ino).toBe((await stat(thumbnail)).ino);
    expect((await stat(thumbnail)).mode & 0o777).toBe(0o444);
  });

  it('runs a whole pipeline in one call: each step hands over its outputs as it ends', async () => {
    const outcome = await run({
      steps: ['inspect', 'render', 'variants'],
      primary: 'CesiumLogoFlat.png',
    });
    expect(outcome).toEqual({ ok: true });
    const messages = drain(channel.port1);
    const done = messages.flatMap((m) => (m.type === 'step-done' ? [m] : []));
    expect(
      done.map((m) => [m.stepIndex, m.outputs.map((o) => o.name)]).sort(([a], [b]) => +a - +b),
    ).toEqual([
      [0, ['metadata.json']],
      [1, ['thumbnail.png']],
      [2, ['preview.webp']],
    ]);
    expect(done.find((m) => m.stepIndex === 0)?.metadata).toMatchObject({
      width: 211,
      height: 211,
      format: 'png',
    });
    const moved = messages.flatMap((m) => (m.type === 'progress' ? [m.stepIndex] : []));
    expect([...new Set(moved)].sort()).toEqual([0, 1, 2]);
  });

  it('answers bad input as plain data: { ok: false, error } with the stable code', async () => {
    await copyFile(join(IMAGES, 'duckCM.tga'), join(workDir, 'duck.png'));
    expect(await run({ inputDir: workDir, primary: 'duck.png' })).toEqual({
      ok: false,
      error: {
        step: 'render',
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
      error: { code: 'INVALID_OPTIONS', retryable: false, step: 'render' },
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
    [
      'substance',
      'pack',
      'Step "pack" is not available for substance assets; substance assets support inspect, render.',
    ],
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
    const outcome = await run({ inputDir: workDir, primary: 'gone.png' });
    expect(outcome).toMatchObject({
      ok: false,
      error: { code: 'STEP_CRASHED', retryable: true, step: 'render' },
    });
    expect(outcome.ok ? '' : outcome.error.message).toMatch(
      /^The render step stopped on an unexpected error: ENOENT/,
    );
  });
});
