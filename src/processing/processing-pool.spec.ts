import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessingError } from './processing.error';
import { ProcessingPool } from './processing-pool';
import type { PipelineRequest } from './step.types';

/**
 * The real step.worker.js only exists in dist/ (the end-to-end specs run it); here the pool runs a
 * plain JS worker that behaves as `options.behaviour` says, to pin down how the pool turns each
 * kind of ending into a result or an error.
 */
const STUB_WORKER = `
module.exports = async function ({ request, progressPort }) {
  switch (request.options.behaviour) {
    case 'ok':
      for (const message of [[0, 0], [0, 1], [1, 0.5]]) progressPort.postMessage(message);
      return { ok: true, result: { outputs: [{ name: 'x', path: '/x', contentType: 'text/plain' }], metadata: { file: request.filename } } };
    case 'bad-input':
      return { ok: false, error: { code: 'IMAGE_CORRUPT', message: 'not a PNG', retryable: false } };
    case 'sleep':
      await new Promise((resolve) => setTimeout(resolve, 30000));
      return { ok: true, result: { outputs: [] } };
    case 'throw':
      throw new Error('handler blew up');
    case 'exit':
      process.exit(3);
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
    inputPath: '/in',
    filename: 'in.png',
    workDir: '/work',
    options: { behaviour },
  });
  const run = (
    behaviour: string,
    opts: {
      signal?: AbortSignal;
      timeoutMs?: number;
      onProgress?: (stepIndex: number, fraction: number) => void;
    } = {},
  ) =>
    pool.run(request(behaviour), {
      signal: opts.signal ?? new AbortController().signal,
      timeoutMs: opts.timeoutMs ?? 10_000,
      onProgress: opts.onProgress ?? (() => undefined),
    });
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error,
    );

  it('returns the result and relays every [step, fraction] the thread posted', async () => {
    const progress: Array<[number, number]> = [];
    const result = await run('ok', { onProgress: (i, f) => progress.push([i, f]) });
    expect(result).toEqual({
      outputs: [{ name: 'x', path: '/x', contentType: 'text/plain' }],
      metadata: { file: 'in.png' },
    });
    expect(progress).toEqual([
      [0, 0],
      [0, 1],
      [1, 0.5],
    ]);
  });

  it('throws the ProcessingError a thread answered with, code and retryable intact', async () => {
    const error = await failure(run('bad-input'));
    expect(error).toBeInstanceOf(ProcessingError);
    expect(error).toMatchObject({ code: 'IMAGE_CORRUPT', message: 'not a PNG', retryable: false });
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

  it('names every step of a pipeline that ran out of time', async () => {
    const error = await failure(
      pool.run(
        { ...request('sleep'), steps: ['inspect', 'render'] },
        { signal: new AbortController().signal, timeoutMs: 200, onProgress: () => undefined },
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
