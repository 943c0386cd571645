import Redis from 'ioredis';
import request from 'supertest';
import { type TestUser, connectRealtime, signUp, waitFor } from './support/kiln-app';
import { type KilnCluster, startCluster } from './support/kiln-cluster';
import { noisePng } from './support/noise-png';
import { type PrivateRedis, startPrivateRedis } from './support/private-redis';
import { endOf, eventIds } from './support/task-events';
import { tinyPng } from './support/tiny-png';
import { uploadFiles } from './support/upload-files';

const FINAL = ['succeeded', 'failed', 'cancelled'];

describe('Redis restarted while tasks run (AOF on)', () => {
  let redis: PrivateRedis;
  let cluster: KilnCluster;
  let user: TestUser;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    cluster = await startCluster({
      apis: 1,
      workers: 2,
      env: { REDIS_URL: redis.url },
      workerEnv: { KILN_WORKER_CONCURRENCY: '1' },
    });
    user = await signUp(cluster.apis[0].baseUrl, 'restart');
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
    await redis?.stop();
  }, 60_000);

  it('lets the api and the workers reconnect by themselves; every task ends, and a socket resuming from lastEventId sees every end', async () => {
    const { baseUrl } = cluster.apis[0];
    const task = async (taskId: string) =>
      (await request(baseUrl).get(`/tasks/${taskId}`).set('Authorization', `Bearer ${user.token}`))
        .body as { state: string; attempts: number; error?: { code: string } };
    const live = await connectRealtime(baseUrl, { token: user.token });
    try {
      // Two slow tasks, one on each worker's only slot, and four small ones waiting behind.
      const slow = await noisePng(4096);
      const taskIds = await uploadFiles(baseUrl, user.token, [
        [slow, 'noise-1.png'],
        [slow, 'noise-2.png'],
        ...(await Promise.all(
          [1, 2, 3, 4].map(async (i) => [await tinyPng(i), `t${i}.png`] as [Buffer, string]),
        )),
      ]);
      await waitFor('both slow tasks to start', () =>
        taskIds
          .slice(0, 2)
          .every((taskId) =>
            live.events.some((e) => e.name === 'task.started' && e.payload.taskId === taskId),
          ),
      );
      const lastSeen = live.events.at(-1)?.payload.eventId as string;

      await redis.shutDown();
      // The API notices: its health check answers 503 while Redis is away.
      await waitFor('the API to see Redis down', async () =>
        (await request(baseUrl).get('/health')).status === 503 ? true : undefined,
      );
      await redis.start();
      await waitFor('the API to see Redis up again', async () =>
        (await request(baseUrl).get('/health')).status === 200 ? true : undefined,
      );

      const ended = await waitFor(
        'every task to end',
        async () => {
          const views = await Promise.all(taskIds.map(task));
          return views.every((view) => FINAL.includes(view.state)) ? views : undefined;
        },
        120_000,
      );
      for (const view of ended) expect(view.state).toBe('succeeded');

      // A socket resuming from the last event seen before the restart gets every end.
      const resumed = await connectRealtime(baseUrl, { token: user.token, lastEventId: lastSeen });
      try {
        await waitFor('the replay of every end', () =>
          taskIds.every((taskId) => endOf(resumed.events, taskId)),
        );
        for (const taskId of taskIds)
          expect(endOf(resumed.events, taskId)?.name).toBe('task.succeeded');
        // Exactly what the session's stream holds after that id, in order, no duplicate.
        const client = new Redis(redis.url);
        try {
          const stream = await client.xrange(
            `${cluster.keyPrefix}:session:${user.sessionId}:events`,
            `(${lastSeen}`,
            '+',
          );
          expect(eventIds(resumed.events).slice(0, stream.length)).toEqual(
            stream.map(([id]) => id),
          );
        } finally {
          await client.quit();
        }
      } finally {
        resumed.socket.disconnect();
      }

      // Both roles are back in business: a new upload is taken, run and streamed live.
      const [after] = await uploadFiles(baseUrl, user.token, [[await tinyPng(9), 'after.png']]);
      await waitFor('the new task to succeed, live', () => endOf(live.events, after));
      expect(endOf(live.events, after)?.name).toBe('task.succeeded');
      const ids = eventIds(live.events);
      expect(new Set(ids).size).toBe(ids.length);
      for (const kiln of [...cluster.apis, ...cluster.workers])
        expect(kiln.output()).not.toMatch(/Unhandled error|UnhandledPromiseRejection/);
    } finally {
      live.socket.disconnect();
    }
  }, 240_000);
});
