import Redis from 'ioredis';
import { type TestUser, connectRealtime, signUp, waitFor } from './support/kiln-app';
import { type KilnCluster, startCluster } from './support/kiln-cluster';
import { type PrivateRedis, startPrivateRedis } from './support/private-redis';
import { endOf, eventIds } from './support/task-events';
import { tinyPng } from './support/tiny-png';
import { uploadFiles } from './support/upload-files';

/**
 * Pub/sub keeps nothing: what is published while an API's subscriber connection is away never
 * reaches it. Killing that connection over and over (on a Redis of the test's own) while tasks
 * run opens many such gaps; the socket, which stays connected all along, must still get every
 * event of its session's stream, once and in order.
 */
describe('An API whose subscriber connection drops while tasks run', () => {
  let redis: PrivateRedis;
  let cluster: KilnCluster;
  let user: TestUser;
  let admin: Redis;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    cluster = await startCluster({ apis: 1, workers: 1, env: { REDIS_URL: redis.url } });
    user = await signUp(cluster.apis[0].baseUrl, 'subdrop');
    admin = new Redis(redis.url);
  }, 180_000);
  afterAll(async () => {
    await admin?.quit();
    await cluster?.stop();
    await redis?.stop();
  }, 60_000);

  it('sends the socket what was published in the gaps, once each and in stream order', async () => {
    const { baseUrl } = cluster.apis[0];
    const live = await connectRealtime(baseUrl, { token: user.token });
    try {
      const files = await Promise.all(
        [...Array(12).keys()].map(async (i) => [await tinyPng(i), `t${i}.png`] as [Buffer, string]),
      );
      const taskIds = await uploadFiles(baseUrl, user.token, files);
      let kills = 0;
      let done = false;
      // Until every task has ended in Redis, keep cutting every pub/sub connection.
      const ended = async () => {
        const stream = await admin.xrange(
          `${cluster.keyPrefix}:session:${user.sessionId}:events`,
          '-',
          '+',
        );
        return taskIds.every((taskId) =>
          stream.some(
            ([, fields]) => fields.includes('task.succeeded') && fields.join().includes(taskId),
          ),
        );
      };
      while (!done) {
        kills += Number(await admin.client('KILL', 'TYPE', 'pubsub'));
        await new Promise((resolve) => setTimeout(resolve, 20));
        done = await ended();
      }
      console.log(`pub/sub connections cut while the tasks ran: ${kills}`);
      expect(kills).toBeGreaterThan(1);

      await waitFor('every end on the socket', () =>
        taskIds.every((taskId) => endOf(live.events, taskId)),
      );
      const stream = await admin.xrange(
        `${cluster.keyPrefix}:session:${user.sessionId}:events`,
        '-',
        '+',
      );
      expect(eventIds(live.events)).toEqual(stream.map(([id]) => id));
    } finally {
      live.socket.disconnect();
    }
  }, 180_000);
});
