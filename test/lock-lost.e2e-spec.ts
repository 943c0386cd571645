import Redis from 'ioredis';
import request from 'supertest';
import { type TestUser, connectRealtime, signUp, waitFor } from './support/kiln-app';
import { type KilnCluster, startCluster, workerNameOf } from './support/kiln-cluster';
import { tinyPng } from './support/tiny-png';
import { endOf } from './support/task-events';

/**
 * A worker whose job lock is gone (Redis was away longer than the lock duration, or the worker's
 * event loop froze that long) no longer owns the task: the stalled check hands it to another
 * worker. Deleting the lock key does the same on purpose, at a known moment.
 */
describe('A worker that loses its job lock mid-task', () => {
  let cluster: KilnCluster;
  let user: TestUser;
  let redis: Redis;

  beforeAll(async () => {
    cluster = await startCluster({
      apis: 1,
      env: { KILN_BENCH_STEPS: '1' },
      workers: 2,
      workerEnv: { KILN_WORKER_CONCURRENCY: '1' },
    });
    user = await signUp(cluster.apis[0].baseUrl, 'lock');
    redis = new Redis(process.env.REDIS_URL as string);
  }, 180_000);
  afterAll(async () => {
    await redis?.quit();
    await cluster?.stop();
  }, 60_000);

  it('stops its run without writing to the task, which the other worker runs again and ends once', async () => {
    const { baseUrl } = cluster.apis[0];
    const { socket, events } = await connectRealtime(baseUrl, { token: user.token });
    try {
      const auth = { Authorization: `Bearer ${user.token}` };
      const uploaded = await request(baseUrl)
        .post('/uploads')
        .set(auth)
        .attach('files', await tinyPng(7), 'base.png')
        .expect(201);
      const asset = uploaded.body.assets[0] as { id: string; taskId: string };
      await waitFor('the upload’s task to end', () => endOf(events, asset.taskId));
      // The bench step ticks for 20 s: its run outlives several lock renewals (every 4 s), so the
      // worker finds the lock gone while it still runs, however fast or loaded the machine is.
      const run = await request(baseUrl)
        .post(`/assets/${asset.id}/tasks`)
        .set(auth)
        .send({ type: 'bench', options: { events: 40, ms: 20_000 } })
        .expect(201);
      const taskId = run.body.taskId as string;
      await waitFor('the task to report progress', () =>
        events.some((e) => e.name === 'task.progress' && e.payload.taskId === taskId),
      );
      const first = await cluster.processedBy(taskId);
      expect(await redis.del(`${cluster.keyPrefix}:bull:tasks:${taskId}.1:lock`)).toBe(1);

      await waitFor('the task to end', () => endOf(events, taskId), 90_000);
      // Let a late write of the first run show, if there is one: the other run's end is not
      // the last word until both workers are idle.
      await waitFor('both workers to be idle', async () =>
        (await cluster.queue.getActiveCount()) === 0 ? true : undefined,
      );
      const names = events
        .filter((e) => e.payload.taskId === taskId && e.name !== 'task.progress')
        .map((e) =>
          e.name === 'task.failed'
            ? `${e.name} ${(e.payload.error as { code: string }).code}`
            : `${e.name} ${(e.payload.attempt as number | undefined) ?? ''}`.trim(),
        );
      expect(names).toEqual([
        'task.queued 1',
        'task.started 1',
        'task.failed WORKER_LOST',
        'task.queued 2',
        'task.started 2',
        'task.succeeded',
      ]);
      const view = await request(baseUrl)
        .get(`/tasks/${taskId}`)
        .set('Authorization', `Bearer ${user.token}`)
        .expect(200);
      expect(view.body).toMatchObject({ state: 'succeeded', attempts: 2 });
      const loser = cluster.workers.find((w) => workerNameOf(w) === first);
      expect(loser?.output()).toMatch(/lost its lock/);
    } finally {
      socket.disconnect();
    }
  }, 180_000);
});
