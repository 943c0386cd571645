import { type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import request from 'supertest';
import {
  type RealtimeClient,
  type RunningKiln,
  type TestUser,
  connectRealtime,
  signUp,
  startKiln,
  tempEntries,
  waitFor,
} from './support/kiln-app';

/** 64×64 PNG: processed in a few milliseconds. */
const smallPng = () =>
  sharp({ create: { width: 64, height: 64, channels: 3, background: '#3a7' } })
    .png()
    .toBuffer();

/** 4096² RGB noise, barely compressed (~50 MB): its steps run for a second or more. */
const slowPng = () => {
  const size = 4096;
  return sharp(randomBytes(size * size * 3), { raw: { width: size, height: size, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
};

/** CPU seconds a process has used (user + system), from /proc. */
function cpuSeconds(child: ChildProcess): number {
  const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks
}

type Received = Array<{ name: string; payload: Record<string, unknown> }>;

/**
 * Cancel and retry against an API process and a separate worker process (one task slot): every
 * cancel of a running task here crosses processes through Redis.
 */
describe('Cancelling and retrying tasks (KILN_ROLE=api + KILN_ROLE=worker)', () => {
  let api: RunningKiln;
  let worker: RunningKiln;
  let user: TestUser;
  let socket: RealtimeClient;
  let events: Received;
  let small: Buffer;
  let slow: Buffer;

  beforeAll(async () => {
    [small, slow] = await Promise.all([smallPng(), slowPng()]);
    api = await startKiln({ KILN_ROLE: 'api' });
    worker = await startKiln({
      KILN_ROLE: 'worker',
      KILN_WORKER_CONCURRENCY: '1',
      KILN_KEY_PREFIX: api.keyPrefix,
      KILN_DATA_DIR: api.dataDir,
    });
    user = await signUp(api.baseUrl, 'cancel');
    ({ socket, events } = await connectRealtime(api.baseUrl, { token: user.token }));
  }, 120_000);
  afterAll(async () => {
    socket?.disconnect();
    // The worker shares the API's keys and data dir: signalled only, the API's stop() cleans up.
    worker?.process.kill('SIGTERM');
    await worker?.stop();
    await api?.stop();
  }, 60_000);

  async function upload(bytes: Buffer, name: string): Promise<string> {
    const { body } = await request(api.baseUrl)
      .post('/uploads')
      .set('Authorization', `Bearer ${user.token}`)
      .attach('files', bytes, name)
      .expect(201);
    return (body.assets as Array<{ taskId: string }>)[0].taskId;
  }
  const post = (path: string, as: TestUser = user) =>
    request(api.baseUrl).post(path).set('Authorization', `Bearer ${as.token}`);
  const task = async (taskId: string) =>
    (
      await request(api.baseUrl)
        .get(`/tasks/${taskId}`)
        .set('Authorization', `Bearer ${user.token}`)
    ).body as { state: string; attempts: number };
  const eventsOf = (taskId: string) => events.filter((e) => e.payload.taskId === taskId);
  const namesOf = (taskId: string) => eventsOf(taskId).map((e) => e.name);
  const received = (taskId: string, name: string) =>
    waitFor(`${name} of ${taskId}`, () =>
      eventsOf(taskId).find((e) => e.name === name) ? true : undefined,
    );
  let cancelledRunning: string;
  let succeeded: string;

  it('removes a queued task from the queue: it ends cancelled and never starts', async () => {
    const running = await upload(slow, 'busy.png');
    await received(running, 'task.started');
    const queued = await upload(small, 'waiting.png');

    await post(`/tasks/${queued}/cancel`).expect(202);

    await received(queued, 'task.cancelled');
    expect(await task(queued)).toMatchObject({ state: 'cancelled', attempts: 0 });
    await post(`/tasks/${running}/cancel`).expect(202);
    await received(running, 'task.cancelled');
    // The slot is free again: had the job stayed, it would have started by now.
    const next = await upload(small, 'next.png');
    await received(next, 'task.succeeded');
    expect(namesOf(queued)).toEqual(['task.queued', 'task.cancelled']);
  });

  it('stops a running task on the worker process within a second: cancelled, thread idle, no temp files, the next task starts', async () => {
    const running = await upload(slow, 'noise.png');
    await received(running, 'task.started');
    const next = await upload(small, 'after.png');

    const asked = Date.now();
    await post(`/tasks/${running}/cancel`).expect(202);
    await received(running, 'task.cancelled');
    const latencyMs = Date.now() - asked;

    expect(latencyMs).toBeLessThan(1000);
    process.stdout.write(
      `cancel of a running task: task.cancelled ${latencyMs} ms after the request\n`,
    );
    expect(await task(running)).toMatchObject({ state: 'cancelled', attempts: 1 });
    expect(namesOf(running)).not.toContain('task.failed');
    expect(namesOf(running)).not.toContain('task.succeeded');
    await received(next, 'task.succeeded');
    // Nothing runs now: the cancelled step's thread no longer uses CPU.
    const before = cpuSeconds(worker.process);
    await new Promise((r) => setTimeout(r, 1000));
    expect(cpuSeconds(worker.process) - before).toBeLessThan(0.2);
    expect(tempEntries(api.dataDir)).toEqual([]);
    // Not retried: the job completed, no second start comes.
    expect(namesOf(running).filter((n) => n === 'task.started')).toHaveLength(1);
    expect(worker.output()).not.toMatch(/INTERNAL/);
    cancelledRunning = running;
    succeeded = next;
  });

  it('answers 409 TASK_ALREADY_FINISHED to cancelling a task that has ended, and 404 to another user', async () => {
    for (const ended of [succeeded, cancelledRunning]) {
      const { body } = await post(`/tasks/${ended}/cancel`).expect(409);
      expect(body).toMatchObject({ statusCode: 409, code: 'TASK_ALREADY_FINISHED' });
    }
    const other = await signUp(api.baseUrl, 'other');
    const { body } = await post(`/tasks/${succeeded}/cancel`, other).expect(404);
    expect(body).toMatchObject({ code: 'TASK_NOT_FOUND' });
    await post(`/tasks/${cancelledRunning}/retry`, other).expect(404);
  });

  it('retries a cancelled task: queued, then started as attempt 2, and it succeeds', async () => {
    const before = eventsOf(cancelledRunning).length;

    await post(`/tasks/${cancelledRunning}/retry`).expect(202);

    await waitFor(
      'the retried task to succeed',
      async () => ((await task(cancelledRunning)).state === 'succeeded' ? true : undefined),
      60_000,
    );
    expect(await task(cancelledRunning)).toMatchObject({ state: 'succeeded', attempts: 2 });
    const run = eventsOf(cancelledRunning).slice(before);
    expect(run.slice(0, 2).map((e) => [e.name, e.payload.attempt])).toEqual([
      ['task.queued', 2],
      ['task.started', 2],
    ]);
    expect(run[run.length - 1].name).toBe('task.succeeded');
  });

  it('answers 409 TASK_NOT_RETRYABLE to retrying a task that succeeded', async () => {
    const { body } = await post(`/tasks/${succeeded}/retry`).expect(409);
    expect(body).toMatchObject({ statusCode: 409, code: 'TASK_NOT_RETRYABLE' });
  });
});
