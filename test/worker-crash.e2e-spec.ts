import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import request from 'supertest';
import { TASK_WORKER_OPTIONS } from '../src/tasks/queue/task-queue.constants';
import {
  type RunningKiln,
  type TestUser,
  connectRealtime,
  signUp,
  startKiln,
  waitFor,
} from './support/kiln-app';

/** 4096² RGB noise, barely compressed: its steps run for a second or more on any machine. */
const slowPng = (seed: number) => {
  const size = 4096;
  const pixels = randomBytes(size * size * 3);
  pixels[0] = seed; // two different files, so the two assets are not one blob
  return sharp(pixels, { raw: { width: size, height: size, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
};

function exitOf(child: ChildProcess): Promise<unknown> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', resolve));
}

describe('A worker killed mid-task (SIGKILL)', () => {
  let api: RunningKiln;
  let user: TestUser;
  const workers: RunningKiln[] = [];

  beforeAll(async () => {
    api = await startKiln({ KILN_ROLE: 'api' });
    user = await signUp(api.baseUrl, 'crash');
    for (let i = 0; i < 2; i++) {
      workers.push(
        await startKiln({
          KILN_ROLE: 'worker',
          KILN_WORKER_CONCURRENCY: '1',
          KILN_KEY_PREFIX: api.keyPrefix,
          KILN_DATA_DIR: api.dataDir,
        }),
      );
    }
  }, 120_000);
  // Workers share the API's keys and data dir: they are only signalled, the API's stop() cleans up.
  afterAll(async () => {
    for (const worker of workers) {
      if (worker.process.exitCode === null && worker.process.signalCode === null)
        worker.process.kill('SIGTERM');
      await exitOf(worker.process);
    }
    await api?.stop();
  }, 60_000);

  it('is noticed by the stalled check: another worker runs its task again, attempt 2, and it succeeds within 20 s of the kill', async () => {
    // The bound the lock settings promise: the lock expires at most lockDuration after the
    // kill, and the next stalled check finds it.
    const { lockDuration = 0, stalledInterval = 0 } = TASK_WORKER_OPTIONS;
    expect(lockDuration + stalledInterval).toBeLessThanOrEqual(12_000);

    const { socket, events } = await connectRealtime(api.baseUrl, { token: user.token });
    try {
      let post = request(api.baseUrl).post('/uploads').set('Authorization', `Bearer ${user.token}`);
      post = post.attach('files', await slowPng(1), 'noise-1.png');
      post = post.attach('files', await slowPng(2), 'noise-2.png');
      const { body } = await post.expect(201);
      const taskIds = (body.assets as Array<{ taskId: string }>).map((asset) => asset.taskId);
      // One slot in each worker: each runs one of the two tasks, so either worker may be killed.
      await waitFor('both tasks to start', () =>
        taskIds.every((taskId) =>
          events.some((e) => e.name === 'task.started' && e.payload.taskId === taskId),
        ),
      );

      const [victim, survivor] = workers;
      const killedAt = Date.now();
      victim.process.kill('SIGKILL');
      await exitOf(victim.process);

      const ended = (taskId: string) =>
        events.find(
          (e) =>
            e.payload.taskId === taskId &&
            (e.name === 'task.succeeded' || (e.name === 'task.failed' && !e.payload.willRetry)),
        );
      const lost = await waitFor(
        'a task to be handed out again',
        () =>
          events.find(
            (e) =>
              e.name === 'task.failed' &&
              (e.payload.error as { code: string }).code === 'WORKER_LOST',
          )?.payload.taskId as string | undefined,
        40_000,
      );
      await waitFor('the lost task to end', () => ended(lost), 40_000);
      const seconds = (Date.now() - killedAt) / 1000;
      console.log(`kill → task.succeeded: ${seconds.toFixed(1)} s`);
      expect(seconds).toBeLessThan(20);

      const lostEvents = events
        .filter((e) => e.payload.taskId === lost && e.name !== 'task.progress')
        .map((e) => ({ name: e.name, ...pick(e.payload) }));
      expect(lostEvents).toEqual([
        { name: 'task.queued', attempt: 1 },
        { name: 'task.started', attempt: 1 },
        { name: 'task.failed', error: 'WORKER_LOST', willRetry: true },
        { name: 'task.queued', attempt: 2 },
        { name: 'task.started', attempt: 2 },
        { name: 'task.succeeded' },
      ]);
      const view = await request(api.baseUrl)
        .get(`/tasks/${lost}`)
        .set('Authorization', `Bearer ${user.token}`)
        .expect(200);
      expect(view.body).toMatchObject({ state: 'succeeded', attempts: 2 });

      // The survivor's own task, busy all along, was never taken for stalled.
      const other = taskIds.find((taskId) => taskId !== lost) as string;
      await waitFor('the other task to end', () => ended(other), 40_000);
      expect(ended(other)?.name).toBe('task.succeeded');
      expect(
        events.filter((e) => e.payload.taskId === other && e.name === 'task.started'),
      ).toHaveLength(1);
      expect(survivor.output()).not.toMatch(/stalled|Unhandled error/i);
    } finally {
      socket.disconnect();
    }
  }, 120_000);
});

/** The fields of an event this spec compares, besides its name. */
function pick(payload: Record<string, unknown>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (payload.attempt !== undefined) fields.attempt = payload.attempt;
  if (payload.error) fields.error = (payload.error as { code: string }).code;
  if (payload.willRetry !== undefined) fields.willRetry = payload.willRetry;
  return fields;
}
