import type Redis from 'ioredis';
import { cleanUpTestRedis, connectTestRedis } from '../../test/support/test-redis';
import { loadConfig } from '../config/kiln-config';
import { SessionStream } from '../realtime/session-stream';
import { RedisKeys } from '../redis/redis-keys';
import { Task, type NewTask } from './domain/task.aggregate';
import { TaskRepository } from './task.repository';

describe('TaskRepository: the outbox (real Redis)', () => {
  let redis: Redis;
  let subscriber: Redis;
  let keyPrefix: string;
  let keys: RedisKeys;
  let tasks: TaskRepository;
  let stream: SessionStream;
  let counter = 0;

  beforeAll(() => {
    ({ redis, keyPrefix } = connectTestRedis());
    subscriber = redis.duplicate();
    keys = new RedisKeys(keyPrefix);
    tasks = new TaskRepository(redis, keys, loadConfig({}));
    stream = new SessionStream(redis, keys);
  });
  afterAll(async () => {
    subscriber.disconnect();
    await cleanUpTestRedis(redis, keyPrefix);
  });

  const t0 = new Date('2026-12-01T10:00:00.000Z');
  const fields = (): NewTask => {
    counter += 1;
    return {
      id: `task-${counter}`,
      assetId: `asset-${counter}`,
      ownerId: `user-${counter}`,
      sessionId: `session-${counter}`,
      kind: 'image',
      type: 'process',
      options: {},
    };
  };
  /** Records what the session channel carries from now on. */
  async function listen(sessionId: string): Promise<string[]> {
    const received: string[] = [];
    const channel = keys.sessionChannel(sessionId);
    subscriber.on('message', (from: string, message: string) => {
      if (from === channel) received.push(message);
    });
    await subscriber.subscribe(channel);
    return received;
  }
  const settle = () => new Promise((resolve) => setTimeout(resolve, 100));
  const record = async (id: string) => redis.get(keys.task(id));
  const queued = () => redis.zrange(keys.queuedTasks(), 0, -1);

  it('saves the record and appends and publishes its events in one step, clearing them from the task', async () => {
    const task = Task.queue(fields(), t0);
    const { id, sessionId, ownerId } = task.toSnapshot();
    const channel = await listen(sessionId);

    const [eventId] = await tasks.save(task);

    expect(JSON.parse((await record(id)) ?? 'null')).toEqual(task.toSnapshot());
    expect(task.getUncommittedEvents()).toEqual([]);
    const queuedEvent = {
      eventId,
      name: 'task.queued',
      payload: {
        eventId,
        taskId: id,
        assetId: task.toSnapshot().assetId,
        at: t0.toISOString(),
        type: 'process',
        attempt: 1,
      },
    };
    expect(await stream.readAfter(sessionId, '0')).toEqual([queuedEvent]);
    await settle();
    expect(channel.map((message) => SessionStream.parse(message))).toEqual([
      { type: 'events', events: [queuedEvent] },
    ]);
    expect(await redis.zrange(keys.userTasks(ownerId), 0, -1)).toEqual([id]);
    expect(await redis.ttl(keys.sessionStream(sessionId))).toBeGreaterThan(24 * 3600 - 10);
  });

  it('keeps one session’s events in order when several tasks save at once: the channel carries the stream’s order, one message a save', async () => {
    const sessionId = fields().sessionId;
    const running = [1, 2, 3, 4, 5].map(() => Task.queue({ ...fields(), sessionId }, t0));
    await Promise.all(running.map((task) => tasks.save(task)));
    const channel = await listen(sessionId);
    const ids = await Promise.all(
      running.map((task, n) => {
        task.start(t0);
        task.progress('render', 10 * (n + 1), t0);
        return tasks.save(task);
      }),
    );

    const events = await stream.readAfter(sessionId, '0');
    expect(events.slice(5).map((e) => e.eventId)).toEqual(ids.flat());
    expect(events.slice(5).map((e) => [e.payload.taskId, e.name])).toEqual(
      running.flatMap((task) => [
        [task.id, 'task.started'],
        [task.id, 'task.progress'],
      ]),
    );
    await settle();
    // One message a save, carrying that save's events.
    expect(channel.map((m) => SessionStream.parse(m))).toEqual(
      running.map((_, n) => ({ type: 'events', events: events.slice(5 + 2 * n, 7 + 2 * n) })),
    );
    for (const [n, task] of running.entries()) {
      expect(JSON.parse((await record(task.id)) ?? '{}')).toMatchObject({
        state: 'running',
        progress: 10 * (n + 1),
      });
    }
  });

  it('lists a task among the queued ones exactly while it is queued, retries included', async () => {
    const task = Task.queue(fields(), t0);
    const { id } = task.toSnapshot();
    await tasks.save(task);
    expect(await queued()).toContain(id);
    task.start(t0);
    await tasks.save(task);
    expect(await queued()).not.toContain(id);
    task.fail({ code: 'STEP_CRASHED', message: 'thread died' }, true, t0);
    await tasks.save(task);
    expect(await queued()).toContain(id);
    task.start(t0);
    task.succeed([], 'render', t0);
    await tasks.save(task);
    expect(await queued()).not.toContain(id);
    expect(await tasks.queuedTaskIds()).toEqual(await queued());
  });

  it('keeps the session stream to KILN_STREAM_MAX_EVENTS (exactly, for a small cap) and refreshes its KILN_STREAM_TTL_S', async () => {
    const capped = new TaskRepository(
      redis,
      keys,
      loadConfig({ KILN_STREAM_MAX_EVENTS: '3', KILN_STREAM_TTL_S: '60' }),
    );
    const task = Task.queue(fields(), t0);
    const { sessionId } = task.toSnapshot();
    const ids = [...(await capped.save(task))];
    task.start(t0);
    for (const progress of [10, 20, 30, 40]) {
      task.progress('render', progress, t0);
      ids.push(...(await capped.save(task)));
    }

    expect((await stream.readAfter(sessionId, '0')).map((e) => e.eventId)).toEqual(ids.slice(-3));
    const ttl = await redis.ttl(keys.sessionStream(sessionId));
    expect(ttl).toBeGreaterThan(55);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('records a step’s outputs on the asset in the same step as the task and its event', async () => {
    const task = Task.queue(fields(), t0);
    const { assetId, sessionId } = task.toSnapshot();
    await tasks.save(task);
    task.start(t0);
    task.stepEnded('render', ['thumbnail.png'], 50, t0);
    await tasks.save(task, { assetId, fields: { 'output:thumbnail.png': '{"x":1}' } });
    expect(await redis.hgetall(keys.asset(assetId))).toEqual({ 'output:thumbnail.png': '{"x":1}' });
    const events = await stream.readAfter(sessionId, '0');
    expect(events[events.length - 1].payload).toMatchObject({
      step: 'render',
      progress: 50,
      outputs: ['thumbnail.png'],
    });
  });

  describe('when Redis refuses a save, nothing of it is written', () => {
    /** A queued task, saved; then `break` makes one key the wrong type, and the start's save runs. */
    async function refusedSave(breakKey: (task: Task) => Promise<unknown>, asset?: boolean) {
      const task = Task.queue(fields(), t0);
      const { id, sessionId, assetId } = task.toSnapshot();
      await tasks.save(task);
      const before = {
        record: await record(id),
        events: await redis.xlen(keys.sessionStream(sessionId)).catch(() => 'not a stream'),
        queued: await queued(),
        asset: await redis.type(keys.asset(assetId)),
      };
      const channel = await listen(sessionId);
      await breakKey(task);
      task.start(t0);
      task.stepEnded('inspect', ['metadata.json'], 33, t0);
      const save = tasks.save(
        task,
        asset ? { assetId, fields: { 'output:metadata.json': '{}' } } : undefined,
      );
      await expect(save).rejects.toThrow(/WRONGTYPE/);
      await settle();
      return { task, id, sessionId, assetId, before, channel };
    }

    it('the session stream holds another type: the record keeps its old state, nothing is published', async () => {
      const { task, id, sessionId, before, channel } = await refusedSave((t) =>
        redis.set(keys.sessionStream(t.toSnapshot().sessionId), 'not a stream'),
      );
      expect(await record(id)).toBe(before.record);
      expect(JSON.parse(before.record ?? '{}')).toMatchObject({ state: 'queued' });
      expect(await queued()).toContain(id);
      expect(await redis.get(keys.sessionStream(sessionId))).toBe('not a stream');
      expect(channel).toEqual([]);
      // The events stay pending: the next save that goes through carries them.
      expect(task.getUncommittedEvents().map((e) => e.constructor.name)).toEqual([
        'TaskStarted',
        'TaskProgressed',
      ]);
    });

    it('the queued set holds another type: no record change, no stream entry, nothing published', async () => {
      const { id, sessionId, before, channel } = await refusedSave(() =>
        redis.set(keys.queuedTasks(), 'not a set'),
      );
      await redis.del(keys.queuedTasks());
      expect(await record(id)).toBe(before.record);
      expect(await redis.xlen(keys.sessionStream(sessionId))).toBe(before.events);
      expect(channel).toEqual([]);
    });

    it('the asset holds another type: no record change, no stream entry, nothing published', async () => {
      const { id, sessionId, assetId, before, channel } = await refusedSave(
        (t) => redis.set(keys.asset(t.toSnapshot().assetId), 'not a hash'),
        true,
      );
      expect(before.asset).toBe('none');
      expect(await redis.get(keys.asset(assetId))).toBe('not a hash');
      expect(await record(id)).toBe(before.record);
      expect(await redis.xlen(keys.sessionStream(sessionId))).toBe(before.events);
      expect(channel).toEqual([]);
    });

    it('the owner’s task index holds another type: a new task is not saved at all', async () => {
      const task = Task.queue(fields(), t0);
      const { id, ownerId, sessionId } = task.toSnapshot();
      await redis.set(keys.userTasks(ownerId), 'not a set');
      await expect(tasks.save(task)).rejects.toThrow(/WRONGTYPE/);
      expect(await record(id)).toBeNull();
      expect(await redis.exists(keys.sessionStream(sessionId))).toBe(0);
      expect(await queued()).not.toContain(id);
    });
  });

  it('writes the record only from inside the script that appends its event (MONITOR)', async () => {
    const monitor = await redis.monitor();
    const lines: Array<{ source: string; args: string[] }> = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) =>
      lines.push({ source, args }),
    );
    await settle();
    const task = Task.queue(fields(), t0);
    const { id, sessionId } = task.toSnapshot();
    await tasks.save(task);
    task.start(t0);
    await tasks.save(task);
    task.succeed([], 'render', t0);
    await tasks.save(task);
    await settle();
    monitor.disconnect();

    const taskKey = keys.task(id);
    const streamKey = keys.sessionStream(sessionId);
    const ours = lines.filter(({ args }) => args.includes(taskKey) || args.includes(streamKey));
    // Every client command that names the task's keys is the script; each script sets the
    // record, appends to the stream and publishes, with nothing else in between.
    const scripts = ours.filter(({ source }) => source !== 'lua');
    expect(scripts.map(({ args }) => args[0].toLowerCase())).toEqual(
      expect.arrayContaining(['evalsha']),
    );
    expect(scripts.every(({ args }) => /^eval(sha)?$/i.test(args[0]))).toBe(true);
    expect(scripts).toHaveLength(3);
    for (const script of scripts) {
      const at = lines.indexOf(script);
      let end = at + 1;
      while (end < lines.length && lines[end].source === 'lua') end++;
      const body = lines.slice(at + 1, end).map(({ args }) => `${args[0]} ${args[1]}`);
      expect(body).toEqual(
        expect.arrayContaining([`XADD ${streamKey}`, `SET ${taskKey}`, `EXPIRE ${streamKey}`]),
      );
      expect(body.some((line) => line.startsWith('PUBLISH'))).toBe(true);
    }
  });
});
