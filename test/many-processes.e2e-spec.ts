import {
  type RealtimeClient,
  type TestUser,
  connectRealtime,
  signUp,
  waitFor,
} from './support/kiln-app';
import { type KilnCluster, startCluster, workerNameOf } from './support/kiln-cluster';
import { noisePng } from './support/noise-png';
import { type RecordedEvent, endOf, eventIds } from './support/task-events';
import { uploadFiles } from './support/upload-files';

interface Listener {
  socket: RealtimeClient;
  events: RecordedEvent[];
}

describe('Two API processes and two workers on one Redis and one data dir', () => {
  let cluster: KilnCluster;
  const sockets: RealtimeClient[] = [];
  const listen = async (api: number, user: TestUser): Promise<Listener> => {
    const listener = await connectRealtime(cluster.apis[api].baseUrl, { token: user.token });
    sockets.push(listener.socket);
    return listener;
  };

  beforeAll(async () => {
    cluster = await startCluster({
      apis: 2,
      workers: 2,
      workerEnv: { KILN_WORKER_CONCURRENCY: '1' },
    });
  }, 180_000);
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await cluster?.stop();
  }, 60_000);

  it("delivers each session's events on whichever API it is connected to, on both when on both, whichever worker runs the task", async () => {
    const [api0, api1] = cluster.apis;
    const onFirst = await signUp(api0.baseUrl, 'first');
    const onSecond = await signUp(api1.baseUrl, 'second');
    const onBoth = await signUp(api0.baseUrl, 'both');
    const first = await listen(0, onFirst);
    const second = await listen(1, onSecond);
    const bothVia0 = await listen(0, onBoth);
    const bothVia1 = await listen(1, onBoth);

    // 512² noise: tasks of a few hundred milliseconds, so both single-slot workers get some.
    // Each session uploads through the API it is *not* connected to (the both-session through
    // each in turn): the task is queued by one process and its events reach sockets on another.
    const files = async (n: number) =>
      Promise.all(
        Array.from(
          { length: n },
          async (_, i) => [await noisePng(512), `n${i}.png`] as [Buffer, string],
        ),
      );
    const firstTasks = await uploadFiles(api1.baseUrl, onFirst.token, await files(3));
    const secondTasks = await uploadFiles(api0.baseUrl, onSecond.token, await files(3));
    const bothTasks = [
      ...(await uploadFiles(api0.baseUrl, onBoth.token, await files(2))),
      ...(await uploadFiles(api1.baseUrl, onBoth.token, await files(2))),
    ];

    const allEnded = (events: RecordedEvent[], taskIds: string[]) =>
      taskIds.every((taskId) => endOf(events, taskId));
    await waitFor(
      'every task to end on every socket of its session',
      () =>
        allEnded(first.events, firstTasks) &&
        allEnded(second.events, secondTasks) &&
        allEnded(bothVia0.events, bothTasks) &&
        allEnded(bothVia1.events, bothTasks),
      120_000,
    );

    const expectExactly = (listener: Listener, taskIds: string[]) => {
      // Only the session's own tasks, each from queued to succeeded, no event twice.
      expect(new Set(listener.events.map((e) => e.payload.taskId))).toEqual(new Set(taskIds));
      for (const taskId of taskIds) {
        const names = listener.events
          .filter((e) => e.payload.taskId === taskId && e.name !== 'task.progress')
          .map((e) => e.name);
        expect(names).toEqual(['task.queued', 'task.started', 'task.succeeded']);
      }
      const ids = eventIds(listener.events);
      expect(new Set(ids).size).toBe(ids.length);
    };
    expectExactly(first, firstTasks);
    expectExactly(second, secondTasks);
    expectExactly(bothVia0, bothTasks);
    expectExactly(bothVia1, bothTasks);
    // The session on both processes got the very same events, in the same order, on each.
    expect(eventIds(bothVia1.events)).toEqual(eventIds(bothVia0.events));

    // Both workers ran tasks, and every task was run by one of them.
    const workerNames = cluster.workers.map(workerNameOf);
    const ranBy = await Promise.all(
      [...firstTasks, ...secondTasks, ...bothTasks].map((taskId) => cluster.processedBy(taskId)),
    );
    for (const name of ranBy) expect(workerNames).toContain(name);
    expect(new Set(ranBy)).toEqual(new Set(workerNames));
  }, 180_000);
});
