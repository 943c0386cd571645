import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import sharp from 'sharp';
import { KilnClient, type RealtimeEvent } from '../sdk/src/index';
import { type RunningKiln, startKiln, waitFor } from './support/kiln-app';
import { connectTestRedis } from './support/test-redis';

/** A port free right now, for an API process that must come back on the same address. */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/**
 * The API process restarts while a task runs on a separate worker: the client goes offline,
 * reconnects to the new process by itself, and catches up from the session's stream.
 */
describe('@kiln/client across an API restart (KILN_ROLE=api + KILN_ROLE=worker)', () => {
  let api: RunningKiln;
  let worker: RunningKiln;
  let port: number;
  let client: KilnClient | undefined;

  beforeAll(async () => {
    port = await freePort();
    api = await startKiln({ KILN_ROLE: 'api', PORT: String(port) });
    worker = await startKiln({
      KILN_ROLE: 'worker',
      KILN_WORKER_CONCURRENCY: '1',
      KILN_KEY_PREFIX: api.keyPrefix,
      KILN_DATA_DIR: api.dataDir,
    });
  }, 120_000);
  afterAll(async () => {
    client?.close();
    // The worker shares the API's keys and data dir: signalled only, the API's stop() cleans up.
    worker?.process.kill('SIGTERM');
    await worker?.stop();
    await api?.stop();
  }, 60_000);

  it('delivers every event of the task once, in order, as the session stream holds them', async () => {
    const slow = await sharp(randomBytes(3072 * 3072 * 3), {
      raw: { width: 3072, height: 3072, channels: 3 },
    })
      .png({ compressionLevel: 1 })
      .toBuffer();
    client = await KilnClient.register(api.baseUrl, {
      username: `restart${Date.now().toString(36)}`,
      password: 'correct horse battery',
    });
    const received: RealtimeEvent[] = [];
    client.on('task.started', (payload) => received.push({ name: 'task.started', payload }));
    client.on('task.progress', (payload) => received.push({ name: 'task.progress', payload }));
    client.on('task.succeeded', (payload) => received.push({ name: 'task.succeeded', payload }));
    const statuses: string[] = [];
    client.on('status', (status) => statuses.push(status));
    await waitFor('the client to be online', () => client?.status === 'online' || undefined);
    statuses.length = 0;

    const { assets } = await client.upload([{ name: 'slow.png', data: slow }]);
    const taskId = assets[0].taskId;
    await waitFor(
      'the task to start',
      () => received.some((e) => e.payload.taskId === taskId) || undefined,
    );

    // Stop the only API process; the task goes on in the worker.
    const exited = new Promise((resolve) => api.process.once('exit', resolve));
    api.process.kill('SIGTERM');
    await exited;
    await waitFor('the client to notice', () => client?.status === 'offline' || undefined);
    const restarted = await startKiln({
      KILN_ROLE: 'api',
      PORT: String(port),
      KILN_KEY_PREFIX: api.keyPrefix,
      KILN_DATA_DIR: api.dataDir,
    });
    api = restarted;

    const task = await client.done(taskId);
    expect(task.state).toBe('succeeded');
    expect(task.outputFiles.map((file) => file.name)).toEqual([
      'metadata.json',
      'preview.webp',
      'thumbnail.png',
    ]);
    await waitFor(
      'task.succeeded',
      () =>
        received.some((e) => e.name === 'task.succeeded' && e.payload.taskId === taskId) ||
        undefined,
    );
    await waitFor('the client to be back online', () => client?.status === 'online' || undefined);
    expect(statuses).toEqual(['offline', 'online']);

    // What the server recorded for the session, in order: the client saw exactly that.
    const { redis } = connectTestRedis();
    try {
      const stream = await redis.xrange(
        `${api.keyPrefix}:session:${client.session.sessionId}:events`,
        '-',
        '+',
      );
      const recorded = stream
        .map(([id, fields]) => ({
          id,
          name: fields[fields.indexOf('n') + 1],
          data: fields[fields.indexOf('d') + 1],
        }))
        .filter((e) => ['task.started', 'task.progress', 'task.succeeded'].includes(e.name))
        .filter((e) => (JSON.parse(e.data) as { taskId: string }).taskId === taskId)
        .map((e) => `${e.name} ${e.id}`);
      const seen = received
        .filter((e) => e.payload.taskId === taskId)
        .map((e) => `${e.name} ${e.payload.eventId}`);
      expect(seen).toEqual(recorded);
    } finally {
      redis.disconnect();
    }
  }, 180_000);
});
