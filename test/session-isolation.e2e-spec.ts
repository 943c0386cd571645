import Redis from 'ioredis';
import { type RealtimeClient, type TestUser, connectRealtime, waitFor } from './support/kiln-app';
import { type KilnCluster, startCluster } from './support/kiln-cluster';
import { inBatches, logIn, registerCheaply } from './support/many-sessions';
import { type RecordedEvent, endOf, eventIds } from './support/task-events';
import { tinyPng } from './support/tiny-png';
import { uploadFiles } from './support/upload-files';

const USERS = 10;
const SESSIONS_PER_USER = 10;
const TASKS_PER_SESSION = 5;

interface Session {
  user: TestUser;
  socket: RealtimeClient;
  events: RecordedEvent[];
  taskIds: string[];
}

describe('Session isolation at scale: 100 sessions × 5 tasks on two APIs and two workers', () => {
  let cluster: KilnCluster;
  const sessions: Session[] = [];

  beforeAll(async () => {
    cluster = await startCluster({
      apis: 2,
      workers: 2,
      workerEnv: { KILN_WORKER_CONCURRENCY: '2' },
    });
  }, 180_000);
  afterAll(async () => {
    for (const session of sessions) session.socket.disconnect();
    await cluster?.stop();
  }, 60_000);

  it('delivers every event of every task to its own session only, none missing', async () => {
    const apiOf = (i: number) => cluster.apis[i % cluster.apis.length].baseUrl;
    // 10 users with 10 sessions each: isolation between users and between one user's sessions.
    // Each session's socket is on the API its index picks; it uploads through the other one.
    const redis = new Redis(process.env.REDIS_URL as string);
    let usernames: string[];
    try {
      usernames = await inBatches([...Array(USERS).keys()], 4, (i) =>
        registerCheaply(apiOf(i), redis, cluster.keyPrefix, `iso${i}`),
      );
    } finally {
      await redis.quit();
    }
    const logins = await inBatches([...Array(USERS * SESSIONS_PER_USER).keys()], 10, (i) =>
      logIn(apiOf(i), usernames[Math.floor(i / SESSIONS_PER_USER)]),
    );
    expect(new Set(logins.map((login) => login.sessionId)).size).toBe(100);
    sessions.push(
      ...(await inBatches(logins, 20, async (user, i) => ({
        user,
        ...(await connectRealtime(apiOf(i), { token: user.token })),
        taskIds: [] as string[],
      }))),
    );

    const startedAt = Date.now();
    await inBatches(sessions, 10, async (session, i) => {
      const files = await Promise.all(
        [...Array(TASKS_PER_SESSION).keys()].map(
          async (k) =>
            [await tinyPng(i * TASKS_PER_SESSION + k), `s${i}-${k}.png`] as [Buffer, string],
        ),
      );
      session.taskIds = await uploadFiles(apiOf(i + 1), session.user.token, files);
    });
    await waitFor(
      'every task to end on its session',
      () => sessions.every((s) => s.taskIds.every((taskId) => endOf(s.events, taskId))),
      120_000,
    );
    const seconds = (Date.now() - startedAt) / 1000;

    const owner = new Map<string, number>();
    sessions.forEach((s, i) => s.taskIds.forEach((taskId) => owner.set(taskId, i)));
    expect(owner.size).toBe(100 * TASKS_PER_SESSION);
    let wrong = 0;
    let missing = 0;
    let delivered = 0;
    const streams = new Redis(process.env.REDIS_URL as string);
    try {
      for (const [i, s] of sessions.entries()) {
        delivered += s.events.length;
        wrong += s.events.filter((e) => owner.get(e.payload.taskId as string) !== i).length;
        // Everything the session's stream holds, no more, no less, in order.
        const stream = await streams.xrange(
          `${cluster.keyPrefix}:session:${s.user.sessionId}:events`,
          '-',
          '+',
        );
        const received = new Set(eventIds(s.events));
        missing += stream.filter(([id]) => !received.has(id)).length;
        expect(eventIds(s.events)).toEqual(stream.map(([id]) => id));
        for (const taskId of s.taskIds) {
          const names = s.events
            .filter((e) => e.payload.taskId === taskId && e.name !== 'task.progress')
            .map((e) => e.name);
          expect(names).toEqual(['task.queued', 'task.started', 'task.succeeded']);
        }
      }
    } finally {
      await streams.quit();
    }
    console.log(
      `500 tasks in ${seconds.toFixed(1)} s; ${delivered} events delivered, ${wrong} to a wrong session, ${missing} missing`,
    );
    expect(wrong).toBe(0);
    expect(missing).toBe(0);
  }, 240_000);
});
