import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisKeys } from '../redis/redis-keys';
import { REDIS } from '../redis/redis.tokens';
import type { RealtimeEventName, TaskEventBase } from '../contract';

/** A stored event: its name and its payload with the stream id as `eventId`. */
export interface SessionEvent {
  eventId: string;
  name: RealtimeEventName;
  payload: TaskEventBase;
}

/** Messages on a session's channel: an event, or the session ending (logout). */
export type ChannelMessage = { type: 'event'; event: SessionEvent } | { type: 'session-ended' };

/** How many events a session's stream keeps (approximately) and how long it lives idle. */
export const SESSION_STREAM_MAX_LEN = 10_000;
export const SESSION_STREAM_TTL_SECONDS = 24 * 3600;

/*
 * XADD and PUBLISH in one script: the channel sees events in exactly the stream's order, even
 * when several workers append to one session at once. The channel message is
 * `<id>\n<name>\n<payload json>`, so the script needs no JSON handling.
 */
const APPEND_SCRIPT = `
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'n', ARGV[3], 'd', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('PUBLISH', KEYS[2], id .. '\\n' .. ARGV[3] .. '\\n' .. ARGV[4])
return id
`;

type WithAppend = Redis & {
  kilnAppendSessionEvent(
    stream: string,
    channel: string,
    maxLen: number,
    ttl: number,
    name: string,
    data: string,
  ): Promise<string>;
};

/** A session's event stream in Redis: append-and-publish on one side, replay and parse on the other. */
@Injectable()
export class SessionStream {
  private readonly redis: WithAppend;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    redis.defineCommand('kilnAppendSessionEvent', { numberOfKeys: 2, lua: APPEND_SCRIPT });
    this.redis = redis as WithAppend;
  }

  /**
   * Appends an event (without its `eventId`, which the stream assigns) and publishes it.
   * The command is sent before this returns a promise, so calls keep their order on the wire.
   */
  append(
    sessionId: string,
    name: RealtimeEventName,
    payload: Omit<TaskEventBase, 'eventId'>,
  ): Promise<string> {
    return this.redis.kilnAppendSessionEvent(
      this.keys.sessionStream(sessionId),
      this.keys.sessionChannel(sessionId),
      SESSION_STREAM_MAX_LEN,
      SESSION_STREAM_TTL_SECONDS,
      name,
      JSON.stringify(payload),
    );
  }

  /** Tells every API process that the session ended; they disconnect its sockets. */
  async endSession(sessionId: string): Promise<void> {
    await this.redis.publish(this.keys.sessionChannel(sessionId), 'session-ended');
  }

  /** Every event of the session after `afterId`, oldest first. */
  async readAfter(sessionId: string, afterId: string): Promise<SessionEvent[]> {
    const entries = await this.redis.xrange(this.keys.sessionStream(sessionId), `(${afterId}`, '+');
    return entries.map(([id, fields]) =>
      toEvent(id, fields[fields.indexOf('n') + 1], fields[fields.indexOf('d') + 1]),
    );
  }

  /** Parses a message received on a session channel. */
  static parse(message: string): ChannelMessage {
    if (message === 'session-ended') return { type: 'session-ended' };
    const first = message.indexOf('\n');
    const second = message.indexOf('\n', first + 1);
    return {
      type: 'event',
      event: toEvent(
        message.slice(0, first),
        message.slice(first + 1, second),
        message.slice(second + 1),
      ),
    };
  }
}

function toEvent(id: string, name: string, data: string): SessionEvent {
  return {
    eventId: id,
    name: name as RealtimeEventName,
    payload: { ...(JSON.parse(data) as TaskEventBase), eventId: id },
  };
}

/** Orders stream ids (`<ms>-<seq>`); negative when a is older than b. */
export function compareEventIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(Number);
  const [bMs, bSeq] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}

/** A stream id a client may send: `<ms>-<seq>` or `<ms>`. */
export function isEventId(value: unknown): value is string {
  return typeof value === 'string' && /^\d{1,20}(-\d{1,20})?$/.test(value);
}
