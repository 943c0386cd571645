import type Redis from 'ioredis';
import { cleanUpTestRedis, connectTestRedis } from '../../test/support/test-redis';
import { RedisKeys } from '../redis/redis-keys';
import { compareEventIds, isEventId, resyncFor, SessionStream } from './session-stream';
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

  describe('replay from a lastEventId', () => {
    /** A session whose stream was capped at 3 entries (exactly) after 5 appends. */
    async function trimmedSession(sessionId: string): Promise<string[]> {
      const ids: string[] = [];
      for (let n = 1; n <= 5; n++) ids.push(await append(sessionId, n));
      await redis.xtrim(keys.sessionStream(sessionId), 'MAXLEN', 3);
      return ids;
    }

    it('replays exactly the events after an id the stream still holds, the oldest one included', async () => {
      const ids = await trimmedSession('r1');
      expect(await stream.replay('r1', ids[2])).toEqual({
        events: await stream.readAfter('r1', ids[2]),
        newestEventId: ids[4],
      });
      expect((await stream.replay('r1', ids[2])).events.map((e) => e.eventId)).toEqual(
        ids.slice(3),
      );
    });

    it('answers resync (trimmed, with the oldest id kept) and no event for an id older than the oldest kept', async () => {
      const ids = await trimmedSession('r2');
      expect(await stream.replay('r2', ids[1])).toEqual({
        resync: { reason: 'trimmed', oldestEventId: ids[2] },
        events: [],
        newestEventId: ids[4],
      });
      expect((await stream.replay('r2', '0')).resync).toEqual({
        reason: 'trimmed',
        oldestEventId: ids[2],
      });
    });

    it('answers resync (expired) when the session has no stream any more', async () => {
      expect(await stream.replay('r3-gone', '1733050000000-0')).toEqual({
        resync: { reason: 'expired' },
        events: [],
        newestEventId: undefined,
      });
    });

    it('replays nothing and asks no resync for an id newer than the newest', async () => {
      const ids = await trimmedSession('r4');
      const [ms] = ids[4].split('-').map(Number);
      expect(await stream.replay('r4', `${ms + 60_000}-0`)).toEqual({
        events: [],
        newestEventId: ids[4],
      });
    });
  });

  it('parses a channel message into its events with their stream ids, and the logout control message', () => {
    const data = JSON.stringify(payload(1));
    expect(SessionStream.parse(`1733050000000-3\ntask.queued\n${data}`)).toEqual({
      type: 'events',
      events: [
        {
          eventId: '1733050000000-3',
          name: 'task.queued',
          payload: { ...payload(1), eventId: '1733050000000-3' },
        },
      ],
    });
    const second = JSON.stringify({ ...payload(2), message: 'two\nlines' });
    expect(
      SessionStream.parse(
        `1733050000000-3\ntask.queued\n${data}\n1733050000000-4\ntask.queued\n${second}`,
      ),
    ).toEqual({
      type: 'events',
      events: [
        {
          eventId: '1733050000000-3',
          name: 'task.queued',
          payload: { ...payload(1), eventId: '1733050000000-3' },
        },
        {
          eventId: '1733050000000-4',
          name: 'task.queued',
          payload: { ...payload(2), message: 'two\nlines', eventId: '1733050000000-4' },
        },
      ],
    });
    expect(() => SessionStream.parse(`1-0\ntask.queued`)).toThrow(
      'A session channel message ended mid-event',
    );
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

  it('reads a bare <ms> as <ms>-0', () => {
    expect(compareEventIds('10', '10-0')).toBe(0);
    expect(compareEventIds('10', '10-1')).toBeLessThan(0);
  });

  it.each([
    ['1733050000000-0', true],
    ['1733050000000', true],
    ['18446744073709551615-0', true],
    ['18446744073709551615', true],
    ['18446744073709551616', false],
    ['1-18446744073709551616', false],
    ['18446744073709551615-18446744073709551615', false],
    ['abc', false],
    ['1-2-3', false],
    [42, false],
  ])('accepts %p as a client lastEventId: %p', (value, ok) => {
    expect(isEventId(value)).toBe(ok);
  });
});

describe('resyncFor: whether a replay from lastEventId would miss events', () => {
  it.each([
    ['older than the oldest kept', '10-4', '10-5', { reason: 'trimmed', oldestEventId: '10-5' }],
    ['much older, bare <ms>', '3', '10-5', { reason: 'trimmed', oldestEventId: '10-5' }],
    ['the oldest kept itself', '10-5', '10-5', undefined],
    ['newer than the oldest', '12-0', '10-5', undefined],
    ['newer than anything', '99999-0', '10-5', undefined],
    ['any, with no stream left', '10-5', undefined, { reason: 'expired' }],
  ])('%s: %p against oldest %p', (_case, lastEventId, oldest, expected) => {
    expect(resyncFor(lastEventId, oldest)).toEqual(expected);
  });
});
