import {
  SESSION_STREAM_DATA_FIELD,
  SESSION_STREAM_EXACT_TRIM_BELOW,
  SESSION_STREAM_NAME_FIELD,
} from '../realtime/session-stream-format';
import type { UnsentEvent } from './events/task-events';

/**
 * The outbox: one Lua script saves a task and appends + publishes its events (and, when a step
 * ended, records the step's outputs on the asset), so either all of it happens or none of it.
 *
 * Redis does not roll a script back: a command that fails leaves the writes before it in place.
 * So every check comes before the first write (the key types of the sorted sets and the asset
 * hash, the arguments), and the first write is the XADD, the one write left that can fail (on a
 * stream key of another type), and then nothing has been written. The shebang makes Redis refuse
 * the whole script up front when it is out of memory, rather than on its first write.
 *
 * KEYS: 1 task record, 2 owner's task index, 3 queued tasks, 4 session stream, 5 asset.
 * ARGV: 1 record JSON, 2 task id, 3 createdAt ms, 4 `1` when the task is new, 5 queued set
 * move (`+` add, `-` remove, empty: none), 6 session channel, 7 stream max length, 8 stream TTL,
 * 9 event count n, then n pairs (name, payload JSON), then the asset field count m, then m pairs
 * (field, value). Answers the events' stream ids. The events go out on the channel as one message
 * (session-stream-format.ts), so a save is one PUBLISH however many events it carries.
 */
export const SAVE_TASK_LUA = `#!lua
local n = tonumber(ARGV[9])
local fieldsAt = 10 + 2 * (n or 0)
local m = tonumber(ARGV[fieldsAt])
if not (n and m and tonumber(ARGV[3]) and tonumber(ARGV[7]) and tonumber(ARGV[8]))
    or #ARGV ~= fieldsAt + 2 * m then
  return redis.error_reply('ERR kiln save-task: malformed arguments')
end
local trim = tonumber(ARGV[7]) < ${SESSION_STREAM_EXACT_TRIM_BELOW} and '=' or '~'
local function check(key, kind)
  local found = redis.call('TYPE', key)['ok']
  if found ~= 'none' and found ~= kind then
    error({err = 'WRONGTYPE ' .. key .. ' holds a ' .. found .. ', not a ' .. kind})
  end
end
if ARGV[4] == '1' then check(KEYS[2], 'zset') end
if ARGV[5] ~= '' then check(KEYS[3], 'zset') end
if m > 0 then check(KEYS[5], 'hash') end

local ids = {}
local lines = {}
for i = 1, n do
  ids[i] = redis.call('XADD', KEYS[4], 'MAXLEN', trim, ARGV[7], '*',
    '${SESSION_STREAM_NAME_FIELD}', ARGV[8 + 2 * i], '${SESSION_STREAM_DATA_FIELD}', ARGV[9 + 2 * i])
  lines[3 * i - 2] = ids[i]
  lines[3 * i - 1] = ARGV[8 + 2 * i]
  lines[3 * i] = ARGV[9 + 2 * i]
end
redis.call('SET', KEYS[1], ARGV[1])
if ARGV[4] == '1' then redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[2]) end
if ARGV[5] == '+' then
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
elseif ARGV[5] == '-' then
  redis.call('ZREM', KEYS[3], ARGV[2])
end
if m > 0 then redis.call('HSET', KEYS[5], unpack(ARGV, fieldsAt + 1, fieldsAt + 2 * m)) end
if n > 0 then
  redis.call('PUBLISH', ARGV[6], table.concat(lines, '\\n'))
  redis.call('EXPIRE', KEYS[4], ARGV[8])
end
return ids
`;

export interface SaveTaskKeys {
  task: string;
  ownerTasks: string;
  queuedTasks: string;
  sessionStream: string;
  /** The asset the step's outputs are recorded on (always named; written only with `assetFields`). */
  asset: string;
}

export interface SaveTaskArgs {
  recordJson: string;
  taskId: string;
  createdAtMs: number;
  isNew: boolean;
  queued: '+' | '-' | '';
  sessionChannel: string;
  /** The session stream's cap and lifetime (KILN_STREAM_MAX_EVENTS, KILN_STREAM_TTL_S). */
  stream: { maxEvents: number; ttlSeconds: number };
  events: readonly UnsentEvent[];
  assetFields: Readonly<Record<string, string>>;
}

/** The script's KEYS and ARGV, in its order. */
export function saveTaskArguments(keys: SaveTaskKeys, args: SaveTaskArgs): (string | number)[] {
  const fields = Object.entries(args.assetFields);
  return [
    keys.task,
    keys.ownerTasks,
    keys.queuedTasks,
    keys.sessionStream,
    keys.asset,
    args.recordJson,
    args.taskId,
    args.createdAtMs,
    args.isNew ? '1' : '',
    args.queued,
    args.sessionChannel,
    args.stream.maxEvents,
    args.stream.ttlSeconds,
    args.events.length,
    ...args.events.flatMap((event) => [event.name, JSON.stringify(event.payload)]),
    fields.length,
    ...fields.flat(),
  ];
}
