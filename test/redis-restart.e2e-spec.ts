import Redis from 'ioredis';
import request from 'supertest';
import { TASK_WORKER_OPTIONS } from '../src/tasks/queue/task-queue.constants';
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

  /**
   * Runs six tasks on the two workers, stops Redis while two of them run, keeps it down at least
   * `downForMs`, starts it again, and checks that everything recovers by itself.
   */
  async function restartWhileTasksRun(downForMs: number): Promise<void> {
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
      const downAt = Date.now();
      // The API notices: its health check answers 503 while Redis is away.
      await waitFor('the API to see Redis down', async () =>
        (await request(baseUrl).get('/health')).status === 503 ? true : undefined,
      );
      const rest = downForMs - (Date.now() - downAt);
      // Not a wait for a condition: the length of the outage is what is being tested.
      if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
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
        for (const taskId of taskIds) {
          expect(endOf(resumed.events, taskId)?.name).toBe('task.succeeded');
          // Ended once: no second run of it wrote an end of its own.
          const ends = resumed.events.filter(
            (e) => e.payload.taskId === taskId && e.name === 'task.succeeded',
          );
          expect(ends).toHaveLength(1);
        }
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
      // The socket that stayed connected all along got every event too, in stream order: what
      // was published while its API's subscriber was away was sent once it was back.
      const client = new Redis(redis.url);
      try {
        const stream = await client.xrange(
          `${cluster.keyPrefix}:session:${user.sessionId}:events`,
          live.events[0].payload.eventId as string,
          '+',
        );
        expect(eventIds(live.events)).toEqual(stream.map(([id]) => id));
      } finally {
        await client.quit();
      }
      for (const kiln of [...cluster.apis, ...cluster.workers])
        expect(kiln.output()).not.toMatch(/Unhandled error|UnhandledPromiseRejection/);
    } finally {
      live.socket.disconnect();
    }
  }

  it('lets the api and the workers reconnect by themselves; every task ends, and a socket resuming from lastEventId sees every end', async () => {
    await restartWhileTasksRun(0);
  }, 240_000);

  it('copes with Redis down longer than the job lock: the running tasks run again and end once', async () => {
    // Past the lock, the stalled check hands the running jobs out again; past ~10 s, a command
    // waiting for Redis fails (ioredis maxRetriesPerRequest) and so does the attempt (retried).
    await restartWhileTasksRun((TASK_WORKER_OPTIONS.lockDuration ?? 0) + 4_000);
  }, 240_000);
});
