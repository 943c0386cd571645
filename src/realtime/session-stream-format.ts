/*
 * How a session's events are kept in Redis. One writer, the tasks outbox (a Lua script that saves
 * a task and appends its events in one step), and the readers in this module share it:
 *
 * - the stream `RedisKeys.sessionStream(sid)`: one entry per event, fields `n` (the event name)
 *   and `d` (its payload as JSON, without `eventId`); the entry id is the `eventId`. Capped at
 *   `KILN_STREAM_MAX_EVENTS` entries (see SESSION_STREAM_EXACT_TRIM_BELOW), it expires
 *   `KILN_STREAM_TTL_S` after the last append. A client whose `lastEventId` is older than the
 *   oldest entry kept gets `resync` instead of a replay;
 * - the channel `RedisKeys.sessionChannel(sid)`: the events of each save (one outbox script), in
 *   stream order, as one message of `<id>\n<name>\n<payload json>` lines, three per event (so
 *   the script needs no JSON handling; JSON text never holds a raw line break), and the control
 *   message SESSION_ENDED_MESSAGE on logout. One message a save, not one an event: a burst of
 *   progress costs Redis one PUBLISH and the API one message to read.
 */

/**
 * Caps below this are trimmed exactly (`MAXLEN =`), larger ones approximately (`MAXLEN ~`):
 * Redis trims only whole stream nodes of 100 entries (stream-node-max-entries) when it may
 * approximate, so a small cap would otherwise not trim at all, while a large one keeps at most
 * a node more and saves the work of trimming inside a node on every append.
 */
export const SESSION_STREAM_EXACT_TRIM_BELOW = 1000;
/** Stream entry fields: the event name and its payload JSON. */
export const SESSION_STREAM_NAME_FIELD = 'n';
export const SESSION_STREAM_DATA_FIELD = 'd';
/** The channel's control message telling API processes to disconnect the session's sockets. */
export const SESSION_ENDED_MESSAGE = 'session-ended';
