import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import {
  FIXTURES,
  type RunningKiln,
  type TestUser,
  connectRealtime,
  signUp,
  startKiln,
  waitFor,
} from './support/kiln-app';

const PNG = join(FIXTURES, 'image/CesiumLogoFlat.png');

interface StoredEvent {
  id: string;
  name: string;
  payload: Record<string, unknown>;
}

/** Every event of a session, as the stream holds it. */
async function sessionEvents(redis: Redis, prefix: string, sessionId: string) {
  const entries = await redis.xrange(`${prefix}:session:${sessionId}:events`, '-', '+');
  return entries.map(([id, fields]): StoredEvent => {
    const get = (name: string) => fields[fields.indexOf(name) + 1];
    return { id, name: get('n'), payload: JSON.parse(get('d')) as Record<string, unknown> };
  });
}

async function taskRecord(redis: Redis, prefix: string, taskId: string) {
  return JSON.parse((await redis.get(`${prefix}:task:${taskId}`)) ?? 'null') as Record<
    string,
    unknown
  > & { id: string; state: string; progress: number; attempts: number; outputs: string[] };
}

/**
 * What a client that saw every event of a task knows must be what the record says: the last
 * event describes the saved state, and the outputs the events announced are the record's and
 * the asset's.
 */
async function expectRecordMatchesEvents(
  redis: Redis,
  prefix: string,
  taskId: string,
  events: StoredEvent[],
) {
  const record = await taskRecord(redis, prefix, taskId);
  const own = events.filter((event) => event.payload.taskId === taskId);
  const last = own[own.length - 1];
  const announced = own.flatMap((event) =>
    event.name === 'task.progress' ? ((event.payload.outputs as string[] | undefined) ?? []) : [],
  );
  const asset = await redis.hgetall(`${prefix}:asset:${record.assetId as string}`);
  const assetOutputs = Object.keys(asset)
    .filter((field) => field.startsWith('output:'))
    .map((field) => field.slice('output:'.length));
  expect([...record.outputs].sort()).toEqual([...new Set(announced)].sort());
  expect(assetOutputs.sort()).toEqual([...new Set(announced)].sort());
  switch (record.state) {
    case 'queued':
      expect(last).toMatchObject({
        name: 'task.queued',
        payload: { attempt: record.attempts + 1 },
      });
      break;
    case 'running':
      if (last.name === 'task.started') {
        expect(record).toMatchObject({ progress: 0, attempts: last.payload.attempt });
      } else {
        expect(last).toMatchObject({
          name: 'task.progress',
          payload: { progress: record.progress, step: record.step },
        });
      }
      break;
    case 'succeeded':
      expect(last).toMatchObject({ name: 'task.succeeded', payload: { outputs: record.outputs } });
      break;
    default:
      expect(last.name).toBe(`task.${record.state}`);
  }
  return record;
}

describe('Events that cannot be lost: the outbox, across processes', () => {
  let redis: Redis;
  let monitor: Redis | undefined;
  let kiln: RunningKiln | undefined;
  let shared: { keyPrefix: string; dataDir: string } | undefined;
  const started: RunningKiln[] = [];

  beforeAll(() => {
    redis = new Redis(process.env.REDIS_URL as string);
  });
  afterEach(async () => {
    monitor?.disconnect();
    monitor = undefined;
    for (const app of started.splice(0)) await app.stop();
    if (shared) rmSync(shared.dataDir, { recursive: true, force: true });
    shared = undefined;
  });
  afterAll(async () => {
    await redis.quit();
  });

  async function start(env: Record<string, string> = {}): Promise<RunningKiln> {
    const app = await startKiln({
      ...(shared ? { KILN_KEY_PREFIX: shared.keyPrefix, KILN_DATA_DIR: shared.dataDir } : {}),
      ...env,
    });
    started.push(app);
    return app;
  }
  const upload = (app: RunningKiln, user: TestUser, file: string | Buffer, name?: string) =>
    request(app.baseUrl)
      .post('/uploads')
      .set('Authorization', `Bearer ${user.token}`)
      .attach('files', file, name)
      .expect(201);

  it('writes the task record only inside the script that appends and publishes its event (MONITOR over a whole task)', async () => {
    kiln = await start();
    const user = await signUp(kiln.baseUrl, 'monitored');
    monitor = await redis.monitor();
    const lines: Array<{ source: string; args: string[] }> = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) =>
      lines.push({ source, args }),
    );
    const { socket, events } = await connectRealtime(kiln.baseUrl, { token: user.token });
    try {
      const { body } = await upload(kiln, user, PNG);
      const taskId = body.assets[0].taskId as string;
      await waitFor('task.succeeded', () => events.some((e) => e.name === 'task.succeeded'));
      await new Promise((resolve) => setTimeout(resolve, 100));

      const taskKey = `${kiln.keyPrefix}:task:${taskId}`;
      const streamKey = `${kiln.keyPrefix}:session:${user.sessionId}:events`;
      const writesOfRecord = lines
        .map((line, index) => ({ ...line, index }))
        .filter(({ args }) => args[0].toUpperCase() === 'SET' && args[1] === taskKey);
      // queued, started, then at least one save per step and the end.
      expect(writesOfRecord.length).toBeGreaterThanOrEqual(4);
      for (const write of writesOfRecord) {
        expect(write.source).toBe('lua');
        // The script's body: the lines since its EVALSHA, all from Lua.
        let start = write.index;
        while (lines[start].source === 'lua') start--;
        expect(lines[start].args[0].toLowerCase()).toMatch(/^eval(sha)?$/);
        let end = write.index;
        while (end + 1 < lines.length && lines[end + 1].source === 'lua') end++;
        const body = lines.slice(start + 1, end + 1).map(({ args }) => args.slice(0, 2).join(' '));
        expect(body).toEqual(expect.arrayContaining([`XADD ${streamKey}`, `EXPIRE ${streamKey}`]));
        // All of a save's events go out in one message on the session's channel.
        expect(body.filter((line) => line.startsWith('PUBLISH'))).toEqual([
          `PUBLISH ${kiln.keyPrefix}:events:${user.sessionId}`,
        ]);
      }
      // Nothing but those scripts appends to the session's stream.
      const appends = lines.filter(
        ({ args }) => args[0].toUpperCase() === 'XADD' && args[1] === streamKey,
      );
      expect(appends.every(({ source }) => source === 'lua')).toBe(true);
      expect(appends).toHaveLength(events.length);
    } finally {
      socket.disconnect();
    }
  });

  it('leaves every saved state with its event when the process is SIGKILLed mid-task', async () => {
    shared = {
      keyPrefix: `kiln-test-kill-${Date.now()}`,
      dataDir: mkdtempSync(join(tmpdir(), 'kiln-kill-')),
    };
    kiln = await start({ KILN_PROGRESS_HZ: '50' });
    const user = await signUp(kiln.baseUrl, 'killed');
    // Large enough to be killed in the middle of: ~1 s of work each.
    const big = await sharp({
      create: {
        width: 3000,
        height: 3000,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .png({ compressionLevel: 1 })
      .toBuffer();
    const { socket, events } = await connectRealtime(kiln.baseUrl, { token: user.token });
    const taskIds: string[] = [];
    for (const name of ['a.png', 'b.png', 'c.png']) {
      const { body } = await upload(kiln, user, big, name);
      taskIds.push(body.assets[0].taskId as string);
    }
    await waitFor('a step of the first task to end', () =>
      events.some((e) => e.name === 'task.progress' && e.payload.outputs),
    );
    kiln.process.kill('SIGKILL');
    await new Promise((resolve) => kiln?.process.once('exit', resolve));
    socket.disconnect();

    const stored = await sessionEvents(redis, shared.keyPrefix, user.sessionId);
    const states: string[] = [];
    for (const taskId of taskIds)
      states.push((await expectRecordMatchesEvents(redis, shared.keyPrefix, taskId, stored)).state);
    // The kill caught at least one task in the middle.
    expect(states).toContain('running');
  });

  it('adds the job of a task saved as queued whose job was never added, when a Kiln process starts', async () => {
    shared = {
      keyPrefix: `kiln-test-orphan-${Date.now()}`,
      dataDir: mkdtempSync(join(tmpdir(), 'kiln-orphan-')),
    };
    // An API process alone: the job waits in the queue.
    const api = await start({ KILN_ROLE: 'api' });
    const user = await signUp(api.baseUrl, 'orphan');
    const { body } = await upload(api, user, PNG);
    const taskId = body.assets[0].taskId as string;
    // As if the process had stopped between saving the task and adding its job.
    const queue = new Queue('tasks', {
      connection: { url: process.env.REDIS_URL },
      prefix: `${shared.keyPrefix}:bull`,
    });
    try {
      // The first run's job (`{taskId}.1`: a job per run).
      await queue.remove(`${taskId}.1`);
      expect(await queue.getJob(`${taskId}.1`)).toBeUndefined();
    } finally {
      await queue.close();
    }
    // Stopped, not cleaned up (stop() would delete its keys): the next process takes over.
    const exited = new Promise((resolve) => api.process.once('exit', resolve));
    api.process.kill('SIGTERM');
    await exited;

    const worker = await start();
    const { body: task } = await waitFor('the task to succeed', async () => {
      const response = await request(worker.baseUrl)
        .get(`/tasks/${taskId}`)
        .set('Authorization', `Bearer ${user.token}`)
        .expect(200);
      return response.body.state === 'succeeded' ? response : undefined;
    });
    expect(task).toMatchObject({ state: 'succeeded', attempts: 1 });
    expect(worker.output()).toContain(`Added the missing job of 1 queued task(s): ${taskId}`);
    const stored = await sessionEvents(redis, shared.keyPrefix, user.sessionId);
    expect(stored.map((event) => event.name)).toEqual([
      'task.queued',
      'task.started',
      ...stored.slice(2, -1).map(() => 'task.progress'),
      'task.succeeded',
    ]);
  });
});
