import { type ChildProcess, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import sharp from 'sharp';
import request from 'supertest';
import { freePort } from '../src/redis/redis-locator';
import { sendRedisCommand } from './support/redis-wire';
import {
  type RunningKiln,
  type TestUser,
  connectRealtime,
  signUp,
  startKiln,
  waitFor,
} from './support/kiln-app';

/** Resolves with the exit code once the process has ended (at once if it already has). */
function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Lines a clean stop must never print. */
const CRASH_SIGNS = /Unhandled error|Connection is closed|STEP_CRASHED|Terminating worker thread/;

/** 64×64 PNG: processed in a few milliseconds. */
const smallPng = () =>
  sharp({ create: { width: 64, height: 64, channels: 3, background: '#3a7' } })
    .png()
    .toBuffer();

/**
 * 4096² RGB noise, barely compressed (~50 MB): its steps run for a second or more on any
 * machine, long enough to signal a worker while it runs, and the same input every time.
 */
const slowPng = () => {
  const size = 4096;
  return sharp(randomBytes(size * size * 3), { raw: { width: size, height: size, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
};

describe('Stopping Kiln (SIGTERM)', () => {
  it('exits 0 with an idle socket connected, closing the socket before Redis, and leaves no temp folder', async () => {
    const kiln = await startKiln();
    try {
      const user = await signUp(kiln.baseUrl, 'idle');
      const { socket } = await connectRealtime(kiln.baseUrl, { token: user.token });
      const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));

      kiln.process.kill('SIGTERM');

      expect(await exitOf(kiln.process)).toBe(0);
      expect(await disconnected).toBe('transport close');
      expect(kiln.output()).not.toMatch(CRASH_SIGNS);
      expect(readdirSync(join(kiln.dataDir, 'tmp'))).toEqual([]);
    } finally {
      await kiln.stop();
    }
  }, 60_000);

  describe('a worker with tasks running and waiting', () => {
    let api: RunningKiln;
    let user: TestUser;
    let queue: Queue;
    let small: Buffer;
    let slow: Buffer;
    const workers: RunningKiln[] = [];
    const worker = async (env: Record<string, string> = {}) => {
      const started = await startKiln({
        KILN_ROLE: 'worker',
        KILN_WORKER_CONCURRENCY: '1',
        KILN_KEY_PREFIX: api.keyPrefix,
        KILN_DATA_DIR: api.dataDir,
        KILN_SHUTDOWN_GRACE_MS: '60000',
        ...env,
      });
      workers.push(started);
      return started;
    };

    beforeAll(async () => {
      [small, slow] = await Promise.all([smallPng(), slowPng()]);
      api = await startKiln({ KILN_ROLE: 'api' });
      user = await signUp(api.baseUrl, 'drain');
      queue = new Queue('tasks', {
        connection: { url: process.env.REDIS_URL as string },
        prefix: `${api.keyPrefix}:bull`,
      });
    }, 120_000);
    // Workers share the API's keys and data dir: they are only signalled, the API's stop() cleans up.
    afterEach(async () => {
      for (const started of workers.splice(0)) {
        if (started.process.exitCode === null) started.process.kill('SIGTERM');
        await exitOf(started.process);
      }
    }, 60_000);
    afterAll(async () => {
      await queue?.close();
      await api?.stop();
    }, 60_000);

    async function upload(files: Array<[Buffer, string]>): Promise<string[]> {
      let post = request(api.baseUrl).post('/uploads').set('Authorization', `Bearer ${user.token}`);
      for (const [bytes, name] of files) post = post.attach('files', bytes, name);
      const { body } = await post.expect(201);
      return (body.assets as Array<{ taskId: string }>).map((asset) => asset.taskId);
    }
    const task = async (taskId: string) =>
      (
        await request(api.baseUrl)
          .get(`/tasks/${taskId}`)
          .set('Authorization', `Bearer ${user.token}`)
      ).body as { state: string; attempts: number; error: { code: string } | null };
    const job = async (taskId: string) => {
      const found = await queue.getJob(`${taskId}.1`); // the first run's job
      return { state: await found?.getState(), attemptsMade: found?.attemptsMade };
    };
    const succeeded = (taskId: string) =>
      waitFor(
        `task ${taskId} to succeed`,
        async () => (await task(taskId)).state === 'succeeded',
        60_000,
      );

    it('takes no new task, lets the running ones finish, exits 0, and leaves the waiting ones untouched for another worker', async () => {
      // Two slots, both busy: when the first running task ends, a worker that still took jobs
      // would start a waiting one there and then abort it.
      const first = await worker({ KILN_WORKER_CONCURRENCY: '2' });
      const { socket, events } = await connectRealtime(api.baseUrl, { token: user.token });
      try {
        const running = await upload([
          [slow, 'noise-1.png'],
          [slow, 'noise-2.png'],
        ]);
        await waitFor('both slow tasks to start', () =>
          running.every((taskId) =>
            events.some((e) => e.name === 'task.started' && e.payload.taskId === taskId),
          ),
        );
        const waiting = await upload([
          [small, 'a.png'],
          [small, 'b.png'],
        ]);

        first.process.kill('SIGTERM');
        expect(await exitOf(first.process)).toBe(0);

        for (const taskId of running) {
          expect(await task(taskId)).toMatchObject({ state: 'succeeded', attempts: 1 });
        }
        for (const taskId of waiting) {
          expect(await task(taskId)).toMatchObject({ state: 'queued', attempts: 0 });
          expect(await job(taskId)).toEqual({ state: 'prioritized', attemptsMade: 0 });
        }
        expect(events.filter((e) => e.name === 'task.failed')).toEqual([]);
        expect(first.output()).not.toMatch(CRASH_SIGNS);

        await worker();
        for (const taskId of waiting) await succeeded(taskId);
        for (const taskId of waiting) expect((await task(taskId)).attempts).toBe(1);
      } finally {
        socket.disconnect();
      }
    }, 120_000);

    it('hands a task still running when the grace runs out back to the queue, attempts untouched, for another worker', async () => {
      const first = await worker({ KILN_SHUTDOWN_GRACE_MS: '200' });
      const { socket, events } = await connectRealtime(api.baseUrl, { token: user.token });
      try {
        const [taskId] = await upload([[slow, 'noise.png']]);
        await waitFor('the slow task to start', () =>
          events.some((e) => e.name === 'task.started' && e.payload.taskId === taskId),
        );

        first.process.kill('SIGTERM');
        expect(await exitOf(first.process)).toBe(0);

        expect(await task(taskId)).toMatchObject({
          state: 'queued',
          attempts: 1,
          error: { code: 'WORKER_STOPPED' },
        });
        // An upload's job has a priority: BullMQ calls a waiting one `prioritized`.
        expect(await job(taskId)).toEqual({ state: 'prioritized', attemptsMade: 0 });
        const ofTask = () => events.filter((e) => e.payload.taskId === taskId).map((e) => e.name);
        await waitFor('task.queued after the hand-back', () => ofTask().at(-1) === 'task.queued');
        expect(events.find((e) => e.name === 'task.failed')?.payload).toMatchObject({
          error: { code: 'WORKER_STOPPED' },
          willRetry: true,
        });
        expect(first.output()).toMatch(/grace of 200 ms ran out/);

        await worker();
        await succeeded(taskId);
        expect(await task(taskId)).toMatchObject({ state: 'succeeded', attempts: 2 });
        expect((await task(taskId)).error).toBeUndefined();
        expect(await job(taskId)).toEqual({ state: 'completed', attemptsMade: 1 });
      } finally {
        socket.disconnect();
      }
    }, 120_000);
  });

  it('does not wait on a Redis that has gone away', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'kiln-gone-redis-'));
    execFileSync('redis-server', [
      ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      ...['--dir', dir, '--daemonize', 'yes'],
    ]);
    await waitFor('the private Redis', async () =>
      (await sendRedisCommand(port, 'PING').catch(() => '')) === '+PONG' ? true : undefined,
    );
    const kiln = await startKiln({ REDIS_URL: `redis://127.0.0.1:${port}` });
    try {
      await sendRedisCommand(port, 'SHUTDOWN NOSAVE').catch(() => '');
      await new Promise((resolve) => setTimeout(resolve, 1500));

      const stoppedAt = Date.now();
      kiln.process.kill('SIGTERM');
      expect(await exitOf(kiln.process)).toBe(0);

      expect(Date.now() - stoppedAt).toBeLessThan(5000);
      expect(kiln.output()).not.toMatch(/Unhandled error/);
      // One line while it is away, not one per reconnect attempt and connection.
      expect(kiln.output().match(/Redis at redis:\/\/127\.0\.0\.1:\d+: /g)).toHaveLength(1);
    } finally {
      await kiln.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
