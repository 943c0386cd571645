/*
 * How a session's events are kept in Redis. One writer, the tasks outbox (a Lua script that saves
 * a task and appends its events in one step), and the readers in this module share it:
 *
 * - the stream `RedisKeys.sessionStream(sid)`: one entry per event, fields `n` (the event name)
 *   and `d` (its payload as JSON, without `eventId`); the entry id is the `eventId`. Capped at
 *   about SESSION_STREAM_MAX_LEN entries, it expires SESSION_STREAM_TTL_SECONDS after the last
 *   append;
 * - the channel `RedisKeys.sessionChannel(sid)`: every appended event, in stream order, as
 *   `<id>\n<name>\n<payload json>` (so the script needs no JSON handling), and the control
 *   message SESSION_ENDED_MESSAGE on logout.
 */

/** How many events a session's stream keeps (approximately). */
export const SESSION_STREAM_MAX_LEN = 10_000;
/** How long a session's stream lives after its last event. */
export const SESSION_STREAM_TTL_SECONDS = 24 * 3600;
/** Stream entry fields: the event name and its payload JSON. */
export const SESSION_STREAM_NAME_FIELD = 'n';
export const SESSION_STREAM_DATA_FIELD = 'd';
/** The channel's control message telling API processes to disconnect the session's sockets. */
export const SESSION_ENDED_MESSAGE = 'session-ended';
