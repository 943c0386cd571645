import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessingError } from './processing.error';
import { ProcessingPool } from './processing-pool';
import type { FinishedStep, PipelineRequest } from './step.types';

/**
 * The real step.worker.js only exists in dist/ (the end-to-end specs run it); here the pool runs a
 * plain JS worker that behaves as `options.behaviour` says, to pin down how the pool turns each
 * kind of ending into a result or an error.
 */
const STUB_WORKER = `
const done = (stepIndex, name) => ({
  type: 'step-done',
  stepIndex,
  outputs: [{ name, contentType: 'text/plain', path: '/handoff/' + name, sha256: 'ab'.repeat(32), bytes: 1 }],
  metadata: { file: name },
});
module.exports = async function ({ request, progressPort }) {
  const post = (message) => progressPort.postMessage(message);
  switch (request.options.behaviour) {
    case 'ok':
      post({ type: 'progress', stepIndex: 0, fraction: 0 });
      post({ type: 'progress', stepIndex: 0, fraction: 1 });
      post(done(0, request.primary));
      post({ type: 'progress', stepIndex: 1, fraction: 0.5 });
      return { ok: true };
    case 'bad-input':
      return { ok: false, error: { code: 'IMAGE_CORRUPT', message: 'not a PNG', retryable: false, step: 'render' } };
    case 'step-then-exit':
      post(done(0, 'first.txt'));
      process.exit(3);
    case 'sleep':
      await new Promise((resolve) => setTimeout(resolve, 30000));
      return { ok: true };
    case 'throw':
      throw new Error('handler blew up');
    case 'exit':
      process.exit(3);
    case 'out-of-memory': {
      post({ type: 'progress', stepIndex: 1, fraction: 0.2 });
      const hoard = [];
      for (;;) hoard.push(new Array(1e6).fill(hoard.length));
    }
  }
};
`;

describe('ProcessingPool', () => {
  let dir: string;
  let pool: ProcessingPool;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-pool-'));
    await writeFile(join(dir, 'stub.worker.js'), STUB_WORKER);
    pool = new ProcessingPool({ threads: 2 }, join(dir, 'stub.worker.js'));
  });
  afterAll(async () => {
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  });

  const request = (behaviour: string): PipelineRequest => ({
    kind: 'image',
    steps: ['render'],
    inputDir: '/in',
    primary: 'in.png',
    outputsDir: '/outputs',
    workDir: '/work',
    options: { behaviour },
  });
  const run = (
    behaviour: string,
    opts: {
      signal?: AbortSignal;
      timeoutMs?: number;
      onProgress?: (stepIndex: number, fraction: number) => void;
      onStepDone?: (stepIndex: number, step: FinishedStep) => void;
    } = {},
  ) =>
    pool.run(request(behaviour), {
      signal: opts.signal ?? new AbortController().signal,
      timeoutMs: opts.timeoutMs ?? 10_000,
      onProgress: opts.onProgress ?? (() => undefined),
      onStepDone: opts.onStepDone ?? (() => undefined),
    });
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error,
    );

  it('resolves once the steps are over, relaying their progress and each step’s outputs in the order posted', async () => {
    const posted: unknown[] = [];
    await run('ok', {
      onProgress: (i, f) => posted.push(['progress', i, f]),
      onStepDone: (i, step) => posted.push(['done', i, step]),
    });
    expect(posted).toEqual([
      ['progress', 0, 0],
      ['progress', 0, 1],
      [
        'done',
        0,
        {
          outputs: [
            {
              name: 'in.png',
              contentType: 'text/plain',
              path: '/handoff/in.png',
              sha256: 'ab'.repeat(32),
              bytes: 1,
            },
          ],
          metadata: { file: 'in.png' },
        },
      ],
      ['progress', 1, 0.5],
    ]);
  });

  it('throws the ProcessingError a thread answered with, code, retryable and step intact', async () => {
    const error = await failure(run('bad-input'));
    expect(error).toBeInstanceOf(ProcessingError);
    expect(error).toMatchObject({
      code: 'IMAGE_CORRUPT',
      message: 'not a PNG',
      retryable: false,
      step: 'render',
    });
  });

  it('still relays the outputs of a step that ended before its thread died', async () => {
    const done: string[] = [];
    const error = await failure(
      run('step-then-exit', {
        onStepDone: (_, step) => done.push(...step.outputs.map((o) => o.name)),
      }),
    );
    expect(error).toMatchObject({ code: 'STEP_CRASHED', retryable: true });
    expect(done).toEqual(['first.txt']);
  });

  it('stops a step over its time limit with STEP_TIMEOUT, not retried', async () => {
    const error = await failure(run('sleep', { timeoutMs: 200 }));
    expect(error).toBeInstanceOf(ProcessingError);
    expect(error).toMatchObject({
      code: 'STEP_TIMEOUT',
      retryable: false,
      message:
        'The render step ran longer than 200 ms and was stopped. Try a smaller file, or raise KILN_STEP_TIMEOUT_MS.',
    });
  });

  it('stops a step when the caller aborts, rejecting with the signal’s reason', async () => {
    const controller = new AbortController();
    const reason = new Error('task cancelled');
    setTimeout(() => controller.abort(reason), 100);
    expect(await failure(run('sleep', { signal: controller.signal }))).toBe(reason);
  });

  it('does not start a step whose signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    await expect(run('ok', { signal: controller.signal })).rejects.toThrow('too late');
  });

  it.each([
    ['throws', 'throw', 'handler blew up'],
    ['exits', 'exit', 'exited'],
  ])('turns a thread that %s into STEP_CRASHED, retried', async (_, behaviour, detail) => {
    const error = await failure(run(behaviour));
    expect(error).toBeInstanceOf(ProcessingError);
    expect(error).toMatchObject({ code: 'STEP_CRASHED', retryable: true });
    expect((error as Error).message).toMatch(
      new RegExp(`^The worker thread running the render step crashed: .*${detail}`),
    );
  });

  it('fails a mesh whose thread ran out of heap with MESH_TOO_LARGE at once, naming the step and the limit', async () => {
    const small = new ProcessingPool({ threads: 1, heapMb: 64 }, join(dir, 'stub.worker.js'));
    try {
      const meshRequest: PipelineRequest = {
        ...request('out-of-memory'),
        kind: 'mesh',
        steps: ['inspect', 'convert'],
      };
      const error = await failure(
        small.run(meshRequest, {
          signal: new AbortController().signal,
          timeoutMs: 20_000,
          onProgress: () => undefined,
          onStepDone: () => undefined,
        }),
      );
      expect(error).toBeInstanceOf(ProcessingError);
      expect(error).toMatchObject({
        code: 'MESH_TOO_LARGE',
        retryable: false,
        step: 'convert',
        message:
          "The mesh is too large: the convert step needed more than the worker's 64 MiB of JS heap. Try a smaller file, or raise KILN_WORKER_HEAP_MB.",
      });
      // The pool replaced the dead thread and serves the next task.
      await expect(
        small.run(request('ok'), {
          signal: new AbortController().signal,
          timeoutMs: 10_000,
          onProgress: () => undefined,
          onStepDone: () => undefined,
        }),
      ).resolves.toBeUndefined();
    } finally {
      await small.close();
    }
  });

  it('names every step of a pipeline that ran out of time', async () => {
    const error = await failure(
      pool.run(
        { ...request('sleep'), steps: ['inspect', 'render'] },
        {
          signal: new AbortController().signal,
          timeoutMs: 200,
          onProgress: () => undefined,
          onStepDone: () => undefined,
        },
      ),
    );
    expect(error).toMatchObject({
      code: 'STEP_TIMEOUT',
      message:
        'The steps inspect, render ran longer than 200 ms and were stopped. Try a smaller file, or raise KILN_STEP_TIMEOUT_MS.',
    });
  });

  it('keeps serving after timeouts, aborts and crashes', async () => {
    await expect(Promise.all([run('ok'), run('ok'), run('ok')])).resolves.toHaveLength(3);
  });
});
