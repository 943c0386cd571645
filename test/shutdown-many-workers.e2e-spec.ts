import request from 'supertest';
import { TASK_WORKER_OPTIONS } from '../src/tasks/queue/task-queue.constants';
import { type TestUser, connectRealtime, signUp, waitFor } from './support/kiln-app';
import { type KilnCluster, startCluster, workerNameOf } from './support/kiln-cluster';
import { noisePng } from './support/noise-png';
import { exitOf } from './support/process-exit';
import { endOf } from './support/task-events';
import { tinyPng } from './support/tiny-png';
import { uploadFiles } from './support/upload-files';

const GRACE_MS = 60_000;

describe('SIGTERM to a busy worker while another worker runs', () => {
  let cluster: KilnCluster;
  let user: TestUser;

  beforeAll(async () => {
    cluster = await startCluster({
      apis: 1,
      workers: 2,
      workerEnv: { KILN_WORKER_CONCURRENCY: '1', KILN_SHUTDOWN_GRACE_MS: String(GRACE_MS) },
    });
    user = await signUp(cluster.apis[0].baseUrl, 'drain2');
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  it('lets it finish its own task and exit 0 while the queued tasks run on the other worker, with no stall timeout between', async () => {
    const { baseUrl } = cluster.apis[0];
    const task = async (taskId: string) =>
      (await request(baseUrl).get(`/tasks/${taskId}`).set('Authorization', `Bearer ${user.token}`))
        .body as { state: string; attempts: number };
    const { socket, events } = await connectRealtime(baseUrl, { token: user.token });
    try {
      // One slot in each worker, both busy with a slow task; three small ones wait behind them.
      const slow = await noisePng(4096);
      const running = await uploadFiles(baseUrl, user.token, [
        [slow, 'noise-1.png'],
        [slow, 'noise-2.png'],
      ]);
      await waitFor('both slow tasks to start', () =>
        running.every((taskId) =>
          events.some((e) => e.name === 'task.started' && e.payload.taskId === taskId),
        ),
      );
      const waiting = await uploadFiles(
        baseUrl,
        user.token,
        await Promise.all(
          [1, 2, 3].map(async (i) => [await tinyPng(i), `t${i}.png`] as [Buffer, string]),
        ),
      );

      const victimName = await cluster.processedBy(running[0]);
      const victim = cluster.workers.find((w) => workerNameOf(w) === victimName);
      const survivor = cluster.workers.find((w) => w !== victim);
      if (!victim || !survivor) throw new Error(`no worker named ${victimName}`);
      const signalledAt = Date.now();
      victim.process.kill('SIGTERM');

      expect(await exitOf(victim.process)).toBe(0);
      expect(Date.now() - signalledAt).toBeLessThan(GRACE_MS);
      expect(victim.output()).toMatch(/Taking no new tasks; waiting up to 60000 ms for 1 running/);
      expect(victim.output()).not.toMatch(/grace of \d+ ms ran out|Unhandled error/);
      // Its own task finished there, in its first attempt.
      expect(await task(running[0])).toEqual(
        expect.objectContaining({ state: 'succeeded', attempts: 1 }),
      );

      await waitFor(
        'every task to end',
        () => [...running, ...waiting].every((taskId) => endOf(events, taskId)),
        90_000,
      );
      for (const taskId of [...running, ...waiting]) {
        expect(endOf(events, taskId)?.name).toBe('task.succeeded');
        expect(await task(taskId)).toEqual(
          expect.objectContaining({ state: 'succeeded', attempts: 1 }),
        );
      }
      expect(events.filter((e) => e.name === 'task.failed')).toEqual([]);
      // The waiting tasks all ran on the survivor: the draining worker took none.
      const survivorName = workerNameOf(survivor);
      for (const taskId of waiting) expect(await cluster.processedBy(taskId)).toBe(survivorName);

      // …and the first of them started as soon as the survivor had a free slot (or at once, if
      // it already had one when the victim was signalled), not a lock duration later.
      const at = (name: string, taskId: string) =>
        Date.parse(
          events.find((e) => e.name === name && e.payload.taskId === taskId)?.payload.at as string,
        );
      const slotFreed = Math.max(at('task.succeeded', running[1]), signalledAt);
      const firstStart = Math.min(...waiting.map((taskId) => at('task.started', taskId)));
      const gapMs = firstStart - slotFreed;
      console.log(`survivor's slot freed → next queued task started: ${gapMs} ms`);
      expect(gapMs).toBeLessThan(TASK_WORKER_OPTIONS.lockDuration ?? 0);
      expect(survivor.output()).not.toMatch(/stalled|Unhandled error/i);
    } finally {
      socket.disconnect();
    }
  }, 180_000);
});
