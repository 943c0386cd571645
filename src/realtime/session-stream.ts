import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisKeys } from '../redis/redis-keys';
import { REDIS } from '../redis/redis.tokens';
import { REALTIME_EVENT_NAMES, type RealtimeEvent, type RealtimeEventName } from '../contract';
import {
  SESSION_ENDED_MESSAGE,
  SESSION_STREAM_DATA_FIELD,
  SESSION_STREAM_NAME_FIELD,
} from './session-stream-format';

/** A stored event: the contract's name and payload, with the stream id as `eventId`. */
export type SessionEvent = RealtimeEvent & { eventId: string };

/** Messages on a session's channel: an event, or the session ending (logout). */
export type ChannelMessage = { type: 'event'; event: SessionEvent } | { type: 'session-ended' };

/**
 * A session's events in Redis as this module sees them: replayed from the stream and parsed from
 * the channel. The tasks outbox writes them (session-stream-format.ts says how); the one message
 * written here is the logout's control message.
 */
@Injectable()
export class SessionStream {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** Tells every API process that the session ended; they disconnect its sockets. */
  async endSession(sessionId: string): Promise<void> {
    await this.redis.publish(this.keys.sessionChannel(sessionId), SESSION_ENDED_MESSAGE);
  }

  /** Every event of the session after `afterId`, oldest first. */
  async readAfter(sessionId: string, afterId: string): Promise<SessionEvent[]> {
    const entries = await this.redis.xrange(this.keys.sessionStream(sessionId), `(${afterId}`, '+');
    return entries.map(([id, fields]) =>
      toEvent(
        id,
        fields[fields.indexOf(SESSION_STREAM_NAME_FIELD) + 1],
        fields[fields.indexOf(SESSION_STREAM_DATA_FIELD) + 1],
      ),
    );
  }

  /** Parses a message received on a session channel. */
  static parse(message: string): ChannelMessage {
    if (message === SESSION_ENDED_MESSAGE) return { type: 'session-ended' };
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

function isEventName(name: string): name is RealtimeEventName {
  return (REALTIME_EVENT_NAMES as readonly string[]).includes(name);
}

function toEvent(id: string, name: string, data: string): SessionEvent {
  if (!isEventName(name)) throw new Error(`Unknown event "${name}" in a session stream`);
  // Written by the outbox from the same contract types: JSON is where the pairing of name and
  // payload cannot be checked by the compiler.
  const payload = { ...(JSON.parse(data) as object), eventId: id };
  return { eventId: id, name, payload } as SessionEvent;
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
