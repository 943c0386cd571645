import type Redis from 'ioredis';
import { cleanUpTestRedis, connectTestRedis } from '../../test/support/test-redis';
import { RedisKeys } from '../redis/redis-keys';
import {
  compareEventIds,
  isEventId,
  SESSION_STREAM_TTL_SECONDS,
  SessionStream,
} from './session-stream';

describe('SessionStream (real Redis)', () => {
  let redis: Redis;
  let subscriber: Redis;
  let keyPrefix: string;
  let keys: RedisKeys;
  let stream: SessionStream;

  beforeAll(() => {
    ({ redis, keyPrefix } = connectTestRedis());
    subscriber = redis.duplicate();
    keys = new RedisKeys(keyPrefix);
    stream = new SessionStream(redis, keys);
  });
  afterAll(async () => {
    subscriber.disconnect();
    await cleanUpTestRedis(redis, keyPrefix);
  });

  const event = (n: number) => ({
    taskId: `task-${n}`,
    assetId: 'asset-1',
    at: '2026-12-01T10:00:00.000Z',
  });

  it('publishes each appended event on the session channel, in stream order, with its stream id', async () => {
    const received: string[] = [];
    await subscriber.subscribe(keys.sessionChannel('s1'));
    subscriber.on('message', (_channel: string, message: string) => received.push(message));

    const ids = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => stream.append('s1', 'task.progress', event(n))),
    );
    await new Promise((r) => setTimeout(r, 100));

    const parsed = received.map((message) => SessionStream.parse(message));
    expect(parsed.map((m) => (m.type === 'event' ? m.event.eventId : m.type))).toEqual(ids);
    expect(parsed[0]).toEqual({
      type: 'event',
      event: { eventId: ids[0], name: 'task.progress', payload: { ...event(1), eventId: ids[0] } },
    });
    expect([...ids].sort(compareEventIds)).toEqual(ids);
  });

  it('reads back every event after a given id, oldest first, and keeps the stream for a day', async () => {
    const ids = [];
    for (const n of [1, 2, 3]) ids.push(await stream.append('s2', 'task.queued', event(n)));
    const after = await stream.readAfter('s2', ids[0]);
    expect(after.map((e) => [e.eventId, e.name, e.payload.taskId])).toEqual([
      [ids[1], 'task.queued', 'task-2'],
      [ids[2], 'task.queued', 'task-3'],
    ]);
    expect(await stream.readAfter('s2', ids[2])).toEqual([]);
    const ttl = await redis.ttl(keys.sessionStream('s2'));
    expect(ttl).toBeGreaterThan(SESSION_STREAM_TTL_SECONDS - 10);
  });

  it('sends session-ended as a control message', async () => {
    const received: string[] = [];
    const listener = redis.duplicate();
    await listener.subscribe(keys.sessionChannel('s3'));
    listener.on('message', (_c: string, m: string) => received.push(m));
    await stream.endSession('s3');
    await new Promise((r) => setTimeout(r, 100));
    listener.disconnect();
    expect(received.map((m) => SessionStream.parse(m))).toEqual([{ type: 'session-ended' }]);
  });
});

describe('event ids', () => {
  it('orders by time, then sequence', () => {
    expect(compareEventIds('10-0', '9-5')).toBeGreaterThan(0);
    expect(compareEventIds('10-1', '10-2')).toBeLessThan(0);
    expect(compareEventIds('10-2', '10-2')).toBe(0);
  });

  it.each([
    ['1733050000000-0', true],
    ['1733050000000', true],
    ['abc', false],
    ['1-2-3', false],
    [42, false],
  ])('accepts %p as a client lastEventId: %p', (value, ok) => {
    expect(isEventId(value)).toBe(ok);
  });
});
