import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PIPELINES } from '../pipelines';
import type { StepRequest } from '../step.types';
import { IMAGE_STEPS, runImageStep } from './image.pipeline';

const IMAGES = resolve(__dirname, '../../..', '../shared/fixtures/image');

describe('runImageStep', () => {
  let workDir: string;
  const ctx = { signal: new AbortController().signal, progress: () => undefined };
  const request = (step: StepRequest['step']): StepRequest => ({
    kind: 'image',
    step,
    inputPath: join(IMAGES, 'duckCM.tga'),
    filename: 'duckCM.tga',
    workDir,
    options: {},
  });

  beforeEach(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'kiln-image-pipeline-'));
  });
  afterEach(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('has a runner for exactly the steps of the image pipeline', () => {
    expect(Object.keys(IMAGE_STEPS)).toEqual(PIPELINES.image);
  });

  it('runs the whole process pipeline, inspect → render → variants, into one work dir', async () => {
    const outputs: string[] = [];
    for (const step of PIPELINES.image)
      outputs.push(...(await runImageStep(request(step), ctx)).outputs.map((o) => o.name));
    expect(outputs).toEqual(['metadata.json', 'thumbnail.png', 'preview.webp']);
    expect((await readdir(workDir)).sort()).toEqual([
      'metadata.json',
      'preview.webp',
      'thumbnail.png',
    ]);
  });

  it.each(['convert', 'optimize', 'pack'] as const)(
    'refuses %s with STEP_NOT_SUPPORTED',
    async (step) => {
      await expect(runImageStep(request(step), ctx)).rejects.toMatchObject({
        code: 'STEP_NOT_SUPPORTED',
        retryable: false,
        message: `Step "${step}" is not available for image assets; image assets support inspect, render, variants.`,
      });
    },
  );
});
