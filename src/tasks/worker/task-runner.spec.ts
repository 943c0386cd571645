import { UnrecoverableError } from 'bullmq';
import type Redis from 'ioredis';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { tempEntries } from '../../../test/support/temp-entries';
import { cleanUpTestRedis, connectTestRedis } from '../../../test/support/test-redis';
import type { AssetFile, AssetRecord } from '../../assets/asset.record';
import { AssetRepository } from '../../assets/asset.repository';
import { AssetView } from '../../assets/asset.view';
import { OutputUrlSigner } from '../../assets/output-url-signer';
import { loadConfig } from '../../config/kiln-config';
import type { TaskType } from '../../contract';
import { ProcessingPool } from '../../processing/processing-pool';
import { SessionStream } from '../../realtime/session-stream';
import { RedisKeys } from '../../redis/redis-keys';
import { LocalStorage } from '../../storage/local-storage';
import { RedisConnections } from '../../redis/redis-connections';
import { TaskCancelRequests } from '../cancel/task-cancel-requests';
import { Task } from '../domain/task.aggregate';
import { TaskRepository } from '../task.repository';
import { LockLostError } from './lock-lost.error';
import { RunningTaskCancels } from './running-task-cancels';
import { TaskRunner } from './task-runner';

/**
 * The real step.worker.js only exists in dist/ (the end-to-end specs run it); here the pool runs
 * a plain JS worker that writes outputs and hands them over as the real one does, and behaves as
 * `options.behaviour` says: every step succeeds ('ok'), the first step succeeds and the next
 * fails ('first-then-fail'), one step reads what it was laid out ('read-inputs'), or the first step never ends ('hang').
 */
const STUB_WORKER = `
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const { join } = require('node:path');
function handOff(workDir, name, content) {
  const path = join(workDir, name);
  fs.writeFileSync(path, content);
  fs.chmodSync(path, 0o444);
  const handoff = join(workDir, '.handoff-' + name);
  fs.linkSync(path, handoff);
  const sha256 = createHash('sha256').update(content).digest('hex');
  return { name, contentType: 'text/plain', path: handoff, sha256, bytes: Buffer.byteLength(content) };
}
function listFiles(dir, prefix = '') {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name), prefix + entry.name + '/') : [prefix + entry.name]);
}
module.exports = async function ({ request, progressPort }) {
  const post = (message) => progressPort.postMessage(message);
  const done = (stepIndex, content = 'made by ' + request.steps[stepIndex]) =>
    post({ type: 'step-done', stepIndex,
      outputs: [handOff(request.workDir, request.steps[stepIndex] + '.txt', content)],
      metadata: { [request.steps[stepIndex]]: 'done' } });
  switch (request.options.behaviour) {
    case 'ok':
      // The steps move and end out of order, as steps running at once do.
      post({ type: 'progress', stepIndex: 1, fraction: 0.5 });
      done(1);
      post({ type: 'progress', stepIndex: 2, fraction: 0.5 });
      done(2);
      post({ type: 'progress', stepIndex: 0, fraction: 0.5 });
      done(0);
      return { ok: true };
    case 'first-then-fail':
      done(0);
      return { ok: false, error: { code: 'INVALID_OPTIONS', message: 'maxSize is too small', retryable: false, step: request.steps[1] } };
    case 'hang':
      // Reports, leaves a file in its folder, then runs until its thread is terminated.
      fs.writeFileSync(join(request.workDir, 'partial.bin'), 'half');
      post({ type: 'progress', stepIndex: 0, fraction: 0.5 });
      return new Promise(() => setInterval(() => undefined, 1000));
    case 'read-inputs':
      done(0, JSON.stringify({
        primary: fs.readFileSync(join(request.inputDir, request.primary), 'utf8'),
        inputs: listFiles(request.inputDir).sort(),
        earlier: listFiles(request.outputsDir).sort(),
        earlierInspect: fs.readFileSync(join(request.outputsDir, 'inspect.txt'), 'utf8'),
      }));
      return { ok: true };
  }
};
`;

describe('TaskRunner (real Redis, a real worker thread, real storage)', () => {
  let redis: Redis;
  let keyPrefix: string;
  let keys: RedisKeys;
  let dir: string;
  let storage: LocalStorage;
  let assets: AssetRepository;
  let tasks: TaskRepository;
  let stream: SessionStream;
  let pool: ProcessingPool;
  let runner: TaskRunner;
  let cancels: RunningTaskCancels;
  let cancelRequests: TaskCancelRequests;

  beforeAll(async () => {
    ({ redis, keyPrefix } = connectTestRedis());
    keys = new RedisKeys(keyPrefix);
    dir = await mkdtemp(join(tmpdir(), 'kiln-task-runner-'));
    await writeFile(join(dir, 'stub.worker.js'), STUB_WORKER);
    const config = loadConfig({
      KILN_DATA_DIR: join(dir, 'data'),
      KILN_PROGRESS_HZ: '100',
      KILN_STEP_TIMEOUT_MS: '10000',
    });
    storage = new LocalStorage(config);
    await storage.createFolders();
    assets = new AssetRepository(redis, keys);
    tasks = new TaskRepository(redis, keys, loadConfig({}));
    stream = new SessionStream(redis, keys);
    pool = new ProcessingPool({ threads: 1 }, join(dir, 'stub.worker.js'));
    cancels = new RunningTaskCancels(
      new RedisConnections(process.env.REDIS_URL ?? ''),
      keys,
      redis,
    );
    cancelRequests = new TaskCancelRequests(redis, keys);
    runner = new TaskRunner(tasks, assets, pool, storage, config, cancels, cancelRequests);
  });
  afterAll(async () => {
    await pool.close();
    await cleanUpTestRedis(redis, keyPrefix);
    await rm(dir, { recursive: true, force: true });
  });

  const attempt = (attemptsMade = 0) => ({
    attemptsMade,
    maxAttempts: 3,
    signal: new AbortController().signal,
  });

  async function storedFile(path: string, content: string): Promise<AssetFile> {
    const temp = storage.tempPath();
    await writeFile(temp, content);
    const blob = await storage.putFile(temp);
    return { path, bytes: blob.bytes, sha256: blob.sha256, contentType: 'text/plain' };
  }

  async function newAsset(files: AssetFile[], primary = files[0].path): Promise<AssetRecord> {
    return assets.create({
      id: randomUUID(),
      ownerId: 'user-1',
      kind: 'image',
      format: 'png',
      files,
      primary,
      createdAt: new Date().toISOString(),
    });
  }

  async function queuedTask(
    asset: AssetRecord,
    behaviour: string,
    type: TaskType = 'process',
  ): Promise<Task> {
    const task = Task.queue(
      {
        id: randomUUID(),
        assetId: asset.id,
        ownerId: asset.ownerId,
        sessionId: `session-${randomUUID()}`,
        kind: asset.kind,
        type,
        options: { behaviour },
      },
      new Date(),
    );
    await tasks.save(task);
    return task;
  }

  const eventsOf = async (task: Task) =>
    (await stream.readAfter(task.toSnapshot().sessionId, '0')).map(({ name, payload }) => {
      // What every event carries is checked elsewhere; here, what sets each apart.
      const rest: Record<string, unknown> = { ...payload };
      for (const common of ['eventId', 'at', 'taskId', 'assetId']) delete rest[common];
      return { name, ...rest };
    });
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  const tempLeft = () => tempEntries(dirname(storage.tmpDir));

  it('records a step’s outputs as it ends: a later failure keeps them, downloadable and listed, and task.failed lists them', async () => {
    const asset = await newAsset([await storedFile('photo.png', 'png bytes')]);
    const task = await queuedTask(asset, 'first-then-fail');

    const run = runner.run(task.id, attempt());
    await expect(run).rejects.toBeInstanceOf(UnrecoverableError);

    const recorded = await assets.get(asset.id);
    expect(recorded?.outputs).toEqual([
      {
        name: 'inspect.txt',
        contentType: 'text/plain',
        bytes: 'made by inspect'.length,
        sha256: sha256('made by inspect'),
      },
    ]);
    expect(recorded?.metadata).toEqual({ inspect: 'done' });
    // GET /assets/:id lists it, and the download streams this blob.
    const signer = new OutputUrlSigner('a-secret-of-enough-length', 60);
    expect(AssetView.of(recorded as AssetRecord, signer).outputs).toEqual([
      {
        name: 'inspect.txt',
        contentType: 'text/plain',
        bytes: 15,
        url: `/assets/${asset.id}/outputs/inspect.txt`,
        signedUrl: expect.stringMatching(
          new RegExp(`^/assets/${asset.id}/outputs/inspect\\.txt\\?exp=\\d+&sig=[\\w-]{43}$`),
        ),
        signedUrlExpiresAt: expect.any(String),
      },
    ]);
    expect(await readFile(storage.localPath(sha256('made by inspect')), 'utf8')).toBe(
      'made by inspect',
    );
    expect(await tasks.find(task.id)).toMatchObject({
      state: 'failed',
      step: 'render',
      outputs: ['inspect.txt'],
      error: { code: 'INVALID_OPTIONS', message: 'maxSize is too small' },
    });
    expect(await eventsOf(task)).toEqual([
      { name: 'task.queued', type: 'process', attempt: 1 },
      { name: 'task.started', attempt: 1 },
      { name: 'task.progress', step: 'inspect', progress: 33, outputs: ['inspect.txt'] },
      {
        name: 'task.failed',
        error: { code: 'INVALID_OPTIONS', message: 'maxSize is too small' },
        willRetry: false,
        outputs: ['inspect.txt'],
      },
    ]);
    expect(tempLeft()).toEqual([]);
  });

  it('names the step that moved in each progress event, and a finished task’s last step', async () => {
    const asset = await newAsset([await storedFile('photo.png', 'png bytes')]);
    const task = await queuedTask(asset, 'ok');

    await runner.run(task.id, attempt());

    const events = await eventsOf(task);
    const progress = events.filter((e) => e.name === 'task.progress');
    // Progress the thread posted goes out coalesced, so not every report is an event; each
    // event names the step that moved, and each step that ended has its own.
    expect(progress.map((e) => ('step' in e ? e.step : undefined))).toEqual(
      expect.arrayContaining(['render', 'variants', 'inspect']),
    );
    expect(progress.filter((e) => 'outputs' in e)).toEqual([
      { name: 'task.progress', step: 'render', progress: 33, outputs: ['render.txt'] },
      { name: 'task.progress', step: 'variants', progress: 67, outputs: ['variants.txt'] },
      { name: 'task.progress', step: 'inspect', progress: 100, outputs: ['inspect.txt'] },
    ]);
    expect(events[events.length - 1]).toEqual({
      name: 'task.succeeded',
      outputs: ['inspect.txt', 'render.txt', 'variants.txt'],
    });
    expect(await tasks.find(task.id)).toMatchObject({
      state: 'succeeded',
      progress: 100,
      step: 'variants',
      outputs: ['inspect.txt', 'render.txt', 'variants.txt'],
    });
    expect((await assets.get(asset.id))?.metadata).toEqual({
      inspect: 'done',
      render: 'done',
      variants: 'done',
    });
  });

  it('runs a step alone with the asset’s files at their paths and its earlier outputs beside them', async () => {
    const asset = await newAsset(
      [await storedFile('scene/model.obj', 'v 0 0 0'), await storedFile('scene/tex/a.png', 'png')],
      'scene/model.obj',
    );
    await runner.run((await queuedTask(asset, 'ok')).id, attempt());
    const alone = await queuedTask(asset, 'read-inputs', 'render');

    await runner.run(alone.id, attempt());

    const seen = (await assets.get(asset.id))?.outputs.find((o) => o.name === 'render.txt');
    expect(JSON.parse(await readFile(storage.localPath(seen?.sha256 ?? ''), 'utf8'))).toEqual({
      primary: 'v 0 0 0',
      inputs: ['scene/model.obj', 'scene/tex/a.png'],
      earlier: ['inspect.txt', 'render.txt', 'variants.txt'],
      earlierInspect: 'made by inspect',
    });
    expect(await tasks.find(alone.id)).toMatchObject({
      state: 'succeeded',
      step: 'render',
      outputs: ['render.txt'],
    });
    expect(tempLeft()).toEqual([]);
  });

  it('fails a task whose asset lists a path that leaves its folder with UNSAFE_PATH, at once', async () => {
    const evil = await storedFile('../../etc/evil.png', 'x');
    const asset = await newAsset([evil]);
    const task = await queuedTask(asset, 'ok');

    await expect(runner.run(task.id, attempt())).rejects.toBeInstanceOf(UnrecoverableError);

    expect(await tasks.find(task.id)).toMatchObject({
      state: 'failed',
      outputs: [],
      error: { code: 'UNSAFE_PATH' },
    });
    expect((await assets.get(asset.id))?.outputs).toEqual([]);
    expect(tempLeft()).toEqual([]);
  });

  it('fails the attempt on a Redis error in a save, writing nothing: BullMQ retries it', async () => {
    const asset = await newAsset([await storedFile('photo.png', 'png bytes')]);
    const task = await queuedTask(asset, 'ok');
    const before = await redis.get(keys.task(task.id));
    const sessionStream = keys.sessionStream(task.toSnapshot().sessionId);
    await redis.del(sessionStream);
    await redis.set(sessionStream, 'not a stream');

    await expect(runner.run(task.id, attempt())).rejects.toThrow(/WRONGTYPE/);
    expect(await redis.get(keys.task(task.id))).toBe(before);

    // Once Redis takes writes again, the retry runs the task from where the record says.
    await redis.del(sessionStream);
    await runner.run(task.id, attempt(1));
    expect(await tasks.find(task.id)).toMatchObject({ state: 'succeeded', attempts: 1 });
  });

  it('does nothing when the job of a task that already ended runs again', async () => {
    const asset = await newAsset([await storedFile('photo.png', 'png bytes')]);
    const task = await queuedTask(asset, 'ok');
    await runner.run(task.id, attempt());
    const events = await eventsOf(task);

    await runner.run(task.id, attempt());

    expect(await eventsOf(task)).toEqual(events);
  });

  it('ends a running task cancelled when it is cancelled: the thread is stopped, its folder removed, the job completes', async () => {
    const asset = await newAsset([await storedFile('photo.png', 'png bytes')]);
    const task = await queuedTask(asset, 'hang');

    const run = runner.run(task.id, attempt());
    // Running once its progress is saved.
    for (let i = 0; i < 200 && (await tasks.find(task.id))?.progress === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(tempLeft().length).toBeGreaterThan(0);
    cancels.cancel(task.id);

    await expect(run).resolves.toBeUndefined();
    expect(await tasks.find(task.id)).toMatchObject({ state: 'cancelled', error: null });
    expect((await eventsOf(task)).map((e) => e.name)).toEqual([
      'task.queued',
      'task.started',
      'task.progress',
      'task.cancelled',
    ]);
    expect(tempLeft()).toEqual([]);
    // The pool's one thread was replaced: the next task runs.
    const next = await queuedTask(asset, 'ok');
    await runner.run(next.id, attempt());
    expect(await tasks.find(next.id)).toMatchObject({ state: 'succeeded' });
  });

  it('stops a running task whose cancel message it missed, from the marker', async () => {
    const asset = await newAsset([await storedFile('photo.png', 'png bytes')]);
    const task = await queuedTask(asset, 'hang');
    const run = runner.run(task.id, attempt());
    for (let i = 0; i < 200 && (await tasks.find(task.id))?.progress === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    // As a request whose message went out while the subscriber was away: the marker alone.
    await cancelRequests.request(task.id);

    await cancels.readMarkers();

    await expect(run).resolves.toBeUndefined();
    expect(await tasks.find(task.id)).toMatchObject({ state: 'cancelled' });
    expect(await cancelRequests.isRequested(task.id)).toBe(false);
    expect(tempLeft()).toEqual([]);
  });

  it('never starts a task whose cancel was asked for before its worker took it', async () => {
    const asset = await newAsset([await storedFile('photo.png', 'png bytes')]);
    const task = await queuedTask(asset, 'hang');
    await cancelRequests.request(task.id);

    await runner.run(task.id, attempt());

    expect(await tasks.find(task.id)).toMatchObject({ state: 'cancelled', attempts: 0 });
    expect((await eventsOf(task)).map((e) => e.name)).toEqual(['task.queued', 'task.cancelled']);
    expect(await cancelRequests.isRequested(task.id)).toBe(false);
  });

  it('stops a run whose job lock was lost and writes nothing more: the task is the next holder’s', async () => {
    const asset = await newAsset([await storedFile('photo.png', 'png bytes')]);
    const task = await queuedTask(asset, 'hang');
    const lockLost = new AbortController();
    const run = runner.run(task.id, { ...attempt(), signal: lockLost.signal });
    for (let i = 0; i < 200 && (await tasks.find(task.id))?.progress === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const before = await eventsOf(task);

    lockLost.abort(new LockLostError(`${task.id}.1`));

    await expect(run).rejects.toBeInstanceOf(LockLostError);
    // Still running as far as Redis knows: the next holder records the lost attempt.
    expect(await tasks.find(task.id)).toMatchObject({ state: 'running', attempts: 1 });
    expect(await eventsOf(task)).toEqual(before);
    expect(tempLeft()).toEqual([]);
  });
});
