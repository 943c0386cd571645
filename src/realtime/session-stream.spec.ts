import type Redis from 'ioredis';
import { cleanUpTestRedis, connectTestRedis } from '../../test/support/test-redis';
import { RedisKeys } from '../redis/redis-keys';
import { compareEventIds, isEventId, SessionStream } from './session-stream';
import { SESSION_STREAM_DATA_FIELD, SESSION_STREAM_NAME_FIELD } from './session-stream-format';

describe('SessionStream (real Redis)', () => {
  let redis: Redis;
  let keyPrefix: string;
  let keys: RedisKeys;
  let stream: SessionStream;

  beforeAll(() => {
    ({ redis, keyPrefix } = connectTestRedis());
    keys = new RedisKeys(keyPrefix);
    stream = new SessionStream(redis, keys);
  });
  afterAll(async () => {
    await cleanUpTestRedis(redis, keyPrefix);
  });

  const payload = (n: number) => ({
    taskId: `task-${n}`,
    assetId: 'asset-1',
    at: '2026-12-01T10:00:00.000Z',
    type: 'process',
    attempt: 1,
  });
  /** An entry as the tasks outbox writes it (session-stream-format.ts). */
  const append = async (sessionId: string, n: number) =>
    (await redis.xadd(
      keys.sessionStream(sessionId),
      '*',
      SESSION_STREAM_NAME_FIELD,
      'task.queued',
      SESSION_STREAM_DATA_FIELD,
      JSON.stringify(payload(n)),
    )) as string;

  it('reads back every event after a given id, oldest first, with its stream id as eventId', async () => {
    const ids = [await append('s2', 1), await append('s2', 2), await append('s2', 3)];
    expect(await stream.readAfter('s2', ids[0])).toEqual([
      { eventId: ids[1], name: 'task.queued', payload: { ...payload(2), eventId: ids[1] } },
      { eventId: ids[2], name: 'task.queued', payload: { ...payload(3), eventId: ids[2] } },
    ]);
    expect(await stream.readAfter('s2', ids[2])).toEqual([]);
  });

  it('parses a channel message into the event with its stream id, and the logout control message', () => {
    const data = JSON.stringify(payload(1));
    expect(SessionStream.parse(`1733050000000-3\ntask.queued\n${data}`)).toEqual({
      type: 'event',
      event: {
        eventId: '1733050000000-3',
        name: 'task.queued',
        payload: { ...payload(1), eventId: '1733050000000-3' },
      },
    });
    expect(SessionStream.parse('session-ended')).toEqual({ type: 'session-ended' });
    expect(() => SessionStream.parse(`1-0\ntask.exploded\n${data}`)).toThrow(
      'Unknown event "task.exploded" in a session stream',
    );
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
