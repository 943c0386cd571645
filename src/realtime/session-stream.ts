import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisKeys } from '../redis/redis-keys';
import { REDIS } from '../redis/redis.tokens';
import {
  REALTIME_EVENT_NAMES,
  type RealtimeEvent,
  type RealtimeEventName,
  type ResyncEvent,
} from '../contract';
import {
  SESSION_ENDED_MESSAGE,
  SESSION_STREAM_DATA_FIELD,
  SESSION_STREAM_NAME_FIELD,
} from './session-stream-format';

/** A stored event: the contract's name and payload, with the stream id as `eventId`. */
export type SessionEvent = RealtimeEvent & { eventId: string };

/** Why a replay cannot be complete: `resync`'s payload but its time. */
export type Resync = Omit<ResyncEvent, 'at'>;

/**
 * What a socket reconnecting with `lastEventId` gets: the events after it, or `resync` (and no
 * event) when the stream no longer reaches back to it; `newestEventId` is the stream's newest
 * entry when it was read, so every live event up to it is already covered by either.
 */
export interface Replay {
  resync?: Resync;
  events: SessionEvent[];
  newestEventId?: string;
}

/** Messages on a session's channel: the events of one save, or the session ending (logout). */
export type ChannelMessage = { type: 'events'; events: SessionEvent[] } | { type: 'session-ended' };

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
    return entries.map(entryToEvent);
  }

  /**
   * The replay for a socket that last saw `lastEventId`. The stream's bounds and the events are
   * read in one transaction, so a trim cannot fall between the check and the read.
   */
  async replay(sessionId: string, lastEventId: string): Promise<Replay> {
    const key = this.keys.sessionStream(sessionId);
    const results = await this.redis
      .multi()
      .xrange(key, '-', '+', 'COUNT', 1)
      .xrevrange(key, '+', '-', 'COUNT', 1)
      .xrange(key, `(${lastEventId}`, '+')
      .exec();
    const [oldest, newest, after] = (results ?? []).map(([error, entries]) => {
      if (error) throw error;
      return entries as [id: string, fields: string[]][];
    });
    if (!oldest || !newest || !after) throw new Error('The replay transaction was discarded');
    const newestEventId = newest[0]?.[0];
    const resync = resyncFor(lastEventId, oldest[0]?.[0]);
    return resync
      ? { resync, events: [], newestEventId }
      : { events: after.map(entryToEvent), newestEventId };
  }

  /** Parses a message received on a session channel (session-stream-format.ts). */
  static parse(message: string): ChannelMessage {
    if (message === SESSION_ENDED_MESSAGE) return { type: 'session-ended' };
    const events: SessionEvent[] = [];
    // Three lines an event; runs for every message an API process gets: no split, no regex.
    for (let at = 0; at < message.length;) {
      const name = message.indexOf('\n', at) + 1;
      const data = message.indexOf('\n', name) + 1;
      const next = message.indexOf('\n', data) + 1 || message.length + 1;
      if (name === 0 || data === 0) throw new Error('A session channel message ended mid-event');
      events.push(
        toEvent(
          message.slice(at, name - 1),
          message.slice(name, data - 1),
          message.slice(data, next - 1),
        ),
      );
      at = next;
    }
    return { type: 'events', events };
  }
}

function isEventName(name: string): name is RealtimeEventName {
  return (REALTIME_EVENT_NAMES as readonly string[]).includes(name);
}

function entryToEvent([id, fields]: [string, string[]]): SessionEvent {
  return toEvent(
    id,
    fields[fields.indexOf(SESSION_STREAM_NAME_FIELD) + 1],
    fields[fields.indexOf(SESSION_STREAM_DATA_FIELD) + 1],
  );
}

function toEvent(id: string, name: string, data: string): SessionEvent {
  if (!isEventName(name)) throw new Error(`Unknown event "${name}" in a session stream`);
  // Written by the outbox from the same contract types: JSON is where the pairing of name and
  // payload cannot be checked by the compiler. A fresh object: set the id on it, no copy.
  const payload = JSON.parse(data) as { eventId?: string };
  payload.eventId = id;
  return { eventId: id, name, payload } as SessionEvent;
}

/**
 * Whether a replay from `lastEventId` would miss events: when it is older than the oldest entry
 * the stream keeps (the entries in between were trimmed), or the stream is gone (expired). An id
 * at or after the oldest entry replays exactly, also one newer than the newest (nothing to send).
 */
export function resyncFor(
  lastEventId: string,
  oldestEventId: string | undefined,
): Resync | undefined {
  if (oldestEventId === undefined) return { reason: 'expired' };
  if (compareEventIds(lastEventId, oldestEventId) < 0) return { reason: 'trimmed', oldestEventId };
  return undefined;
}

/** Orders stream ids (`<ms>-<seq>`, or `<ms>` for `<ms>-0`); negative when a is older than b. */
export function compareEventIds(a: string, b: string): number {
  // Runs for every event and socket: no arrays, no regex.
  const aDash = a.indexOf('-');
  const bDash = b.indexOf('-');
  const aMs = Number(aDash < 0 ? a : a.slice(0, aDash));
  const bMs = Number(bDash < 0 ? b : b.slice(0, bDash));
  if (aMs !== bMs) return aMs - bMs;
  return (
    (aDash < 0 ? 0 : Number(a.slice(aDash + 1))) - (bDash < 0 ? 0 : Number(b.slice(bDash + 1)))
  );
}

const MAX_ID_PART = 2n ** 64n - 1n;

/**
 * A stream id a client may send: `<ms>-<seq>` or `<ms>`, each part a 64-bit unsigned number
 * Redis accepts, and not the largest id of all (nothing can come after it).
 */
export function isEventId(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{1,20}(-\d{1,20})?$/.test(value)) return false;
  const [ms, seq] = value.split('-').map(BigInt);
  return ms <= MAX_ID_PART && (seq ?? 0n) <= MAX_ID_PART && !(ms === MAX_ID_PART && seq === ms);
}
