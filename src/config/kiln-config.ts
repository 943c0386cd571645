import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { WORKER_MAX_OLD_GENERATION_MB } from '../processing/processing-pool';

export type KilnRole = 'api' | 'worker' | 'all';

/** Everything Kiln reads from the environment, parsed and checked once at start-up. */
export interface KilnConfig {
  readonly port: number;
  /** Set when `REDIS_URL` is given; otherwise start-up finds or starts a Redis (see redis-locator.ts). */
  readonly redisUrl: string | undefined;
  /**
   * Sentinels to ask for the master (`REDIS_SENTINELS`, `host:port,…`, with `REDIS_SENTINEL_NAME`);
   * when set, Kiln connects through them and `REDIS_URL` only gives the password and TLS.
   */
  readonly redisSentinel: RedisSentinelTarget | undefined;
  /** Where to look for a Redis when `REDIS_URL` is not set, before starting one (`KILN_LOCAL_REDIS_URL`). */
  readonly localRedisUrl: string;
  /** First segment of every Redis key and channel; BullMQ's prefix is `{keyPrefix}:bull`. */
  readonly keyPrefix: string;
  readonly role: KilnRole;
  readonly dataDir: string;
  readonly maxUploadBytes: number;
  /** Caps on one zip upload's extraction: entries, inflated bytes, and per-entry compression ratio. */
  readonly zipMaxEntries: number;
  readonly zipMaxBytes: number;
  readonly zipMaxRatio: number;
  readonly workerConcurrency: number;
  /** Each worker thread's JS heap cap, MiB; a task over it fails `…_TOO_LARGE` (KILN_WORKER_HEAP_MB). */
  readonly workerHeapMb: number;
  /** Nice value of a worker process's threads but its main one (0 = unchanged); see thread-priority.ts. */
  readonly workerNice: number;
  readonly stepTimeoutMs: number;
  /** Progress events per task per second at most; 0 sends every report (no coalescing). */
  readonly progressHz: number;
  /** Whether `bench` tasks may run (`KILN_BENCH_STEPS=1`); never in production. */
  readonly benchSteps: boolean;
  readonly shutdownGraceMs: number;
  /** Events a session's stream keeps for replay (`KILN_STREAM_MAX_EVENTS`); see session-stream-format.ts. */
  readonly streamMaxEvents: number;
  /** Seconds a session's stream lives after its last event (`KILN_STREAM_TTL_S`). */
  readonly streamTtlSeconds: number;
  /**
   * Events a socket may have queued but not yet sent before it is disconnected to resume by
   * replay (`KILN_SOCKET_MAX_BUFFERED_EVENTS`); see realtime/flood-control.ts.
   */
  readonly socketMaxBufferedEvents: number;
  /** Undefined means: read or generate `{dataDir}/jwt-secret` (refused in production). */
  readonly jwtSecret: string | undefined;
  readonly jwtTtlSeconds: number;
  /** An upload whose body moves no byte for this long is cut (408); also the socket idle timeout. */
  readonly uploadIdleTimeoutMs: number;
  /**
   * Origins (besides the API's own) that browsers may call from: exact `scheme://host[:port]`,
   * `scheme://host:*` for any port, or `*` for any origin.
   */
  readonly corsOrigins: readonly string[];
  /** Failed sign-ins per username, from any address, within `loginFailureWindowSeconds`. */
  readonly loginMaxFailuresPerUser: number;
  /** Failed sign-ins from one address, for any username, within `loginFailureWindowSeconds`. */
  readonly loginMaxFailuresPerAddress: number;
  readonly loginFailureWindowSeconds: number;
  /** How long a signed output URL (`?exp=…&sig=…`, no Authorization header needed) works (`KILN_OUTPUT_URL_TTL`). */
  readonly outputUrlTtlSeconds: number;
  /** The built dashboard the API serves at `/` (`KILN_WEB_DIR`); a missing folder serves a short note. */
  readonly webDir: string;
  readonly production: boolean;
  /** Where blobs live (`KILN_STORAGE`): the data dir (`local`, the default) or a bucket (`s3`). */
  readonly storage: 'local' | 's3';
  /** The bucket, when `storage` is `s3`. */
  readonly s3: S3Settings | undefined;
  /** Where a worker keeps blobs fetched from the bucket (`KILN_CACHE_DIR`, default `{dataDir}/cache`). */
  readonly cacheDir: string;
  /** The cache's cap in bytes (`KILN_CACHE_MAX_BYTES`); least recently used blobs go first. */
  readonly cacheMaxBytes: number;
}

/** A Redis master found through Sentinel. */
export interface RedisSentinelTarget {
  readonly sentinels: ReadonlyArray<{ host: string; port: number }>;
  /** The master's name the sentinels monitor. */
  readonly name: string;
}

/** An S3-compatible bucket (AWS S3, MinIO, R2, B2): the `S3_*` variables. */
export interface S3Settings {
  /** Undefined for AWS itself; the server's URL otherwise (`S3_ENDPOINT`). */
  readonly endpoint: string | undefined;
  readonly bucket: string;
  readonly region: string;
  /** Both or neither; neither means the SDK's own chain (environment, profile, instance role). */
  readonly credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  /** `bucket` in the path rather than the host name (MinIO and most self-hosted servers). */
  readonly forcePathStyle: boolean;
  /** Downloads answer `302` to a presigned URL of the bucket (`KILN_S3_REDIRECT=1`). */
  readonly redirect: boolean;
}

export const KILN_CONFIG = Symbol('KILN_CONFIG');

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Builds the config from an environment. Collects every bad key before throwing, so one
 * start-up attempt shows the whole list.
 */
export function loadConfig(env: Env = process.env): KilnConfig {
  const problems: string[] = [];
  const read: ReadVariable = (name, fallback, parse, expected) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = parse(raw);
    if (value === undefined) {
      problems.push(`${name}=${shownValue(name, raw)} is not ${expected}`);
      return fallback;
    }
    return value;
  };
  const int =
    (min: number, max = Number.MAX_SAFE_INTEGER) =>
    (raw: string) => {
      const n = Number(raw);
      return /^\d+$/.test(raw.trim()) && n >= min && n <= max ? n : undefined;
    };

  const production = env.NODE_ENV === 'production';
  const storage = read(
    'KILN_STORAGE',
    'local' as const,
    (raw) => (raw === 'local' || raw === 's3' ? raw : undefined),
    'local or s3',
  );
  const config: KilnConfig = {
    port: read('PORT', 3000, int(0, 65535), 'a port number (0-65535)'),
    redisUrl: read(
      'REDIS_URL',
      undefined,
      (raw) => (/^rediss?:\/\//.test(raw) ? raw : undefined),
      'a redis:// or rediss:// URL',
    ),
    redisSentinel: readSentinel(env, problems, read),
    localRedisUrl: read(
      'KILN_LOCAL_REDIS_URL',
      'redis://127.0.0.1:6379',
      (raw) => (/^rediss?:\/\//.test(raw) ? raw : undefined),
      'a redis:// or rediss:// URL',
    ),
    keyPrefix: read(
      'KILN_KEY_PREFIX',
      'kiln',
      (raw) => (/^[A-Za-z0-9_-]+$/.test(raw) ? raw : undefined),
      'letters, digits, _ or -',
    ),
    role: read(
      'KILN_ROLE',
      'all',
      (raw) => (raw === 'api' || raw === 'worker' || raw === 'all' ? raw : undefined),
      'api, worker or all',
    ),
    dataDir: resolve(env.KILN_DATA_DIR || './data'),
    maxUploadBytes: read('KILN_MAX_UPLOAD_BYTES', 1024 ** 3, int(1), 'a positive number of bytes'),
    zipMaxEntries: read('KILN_ZIP_MAX_ENTRIES', 10_000, int(1), 'a positive number of entries'),
    zipMaxBytes: read('KILN_ZIP_MAX_BYTES', 2 * 1024 ** 3, int(1), 'a positive number of bytes'),
    zipMaxRatio: read('KILN_ZIP_MAX_RATIO', 200, int(1), 'a positive whole number'),
    workerConcurrency: read(
      'KILN_WORKER_CONCURRENCY',
      availableParallelism(),
      int(1, 256),
      'a whole number from 1 to 256',
    ),
    workerHeapMb: read(
      'KILN_WORKER_HEAP_MB',
      WORKER_MAX_OLD_GENERATION_MB,
      int(64, 65_536),
      'a number of MiB from 64 to 65536',
    ),
    workerNice: read('KILN_WORKER_NICE', 10, int(0, 19), 'a whole number from 0 to 19'),
    stepTimeoutMs: read(
      'KILN_STEP_TIMEOUT_MS',
      300_000,
      int(100),
      'a number of milliseconds (at least 100)',
    ),
    progressHz: read(
      'KILN_PROGRESS_HZ',
      5,
      int(0, 100),
      'a whole number from 0 (no coalescing) to 100',
    ),
    benchSteps:
      read(
        'KILN_BENCH_STEPS',
        false,
        (raw) => (raw === '1' || raw === '0' ? raw === '1' : undefined),
        '0 or 1',
      ) && !production,
    shutdownGraceMs: read('KILN_SHUTDOWN_GRACE_MS', 30_000, int(0), 'a number of milliseconds'),
    streamMaxEvents: read(
      'KILN_STREAM_MAX_EVENTS',
      10_000,
      int(1),
      'a positive whole number of events',
    ),
    streamTtlSeconds: read('KILN_STREAM_TTL_S', 24 * 3600, int(1), 'a positive number of seconds'),
    socketMaxBufferedEvents: read(
      'KILN_SOCKET_MAX_BUFFERED_EVENTS',
      1000,
      int(2),
      'a whole number of events (at least 2)',
    ),
    jwtSecret: read(
      'JWT_SECRET',
      undefined,
      (raw) => (raw.length >= 16 ? raw : undefined),
      'at least 16 characters long',
    ),
    jwtTtlSeconds: read(
      'JWT_TTL',
      3600,
      parseDuration,
      'a duration such as 3600, 90s, 15m, 1h or 7d',
    ),
    uploadIdleTimeoutMs: read(
      'KILN_UPLOAD_IDLE_TIMEOUT_MS',
      30_000,
      int(100),
      'a number of milliseconds (at least 100)',
    ),
    corsOrigins: read(
      'KILN_CORS_ORIGINS',
      production ? [] : DEVELOPMENT_CORS_ORIGINS,
      parseOrigins,
      'a comma-separated list of origins such as https://app.example.com or http://localhost:*',
    ),
    loginMaxFailuresPerUser: read(
      'KILN_LOGIN_MAX_FAILURES_PER_USER',
      10,
      int(1),
      'a positive whole number',
    ),
    loginMaxFailuresPerAddress: read(
      'KILN_LOGIN_MAX_FAILURES_PER_ADDRESS',
      50,
      int(1),
      'a positive whole number',
    ),
    loginFailureWindowSeconds: read(
      'KILN_LOGIN_FAILURE_WINDOW',
      900,
      parseDuration,
      'a duration such as 900, 90s, 15m or 1h',
    ),
    outputUrlTtlSeconds: read(
      'KILN_OUTPUT_URL_TTL',
      900,
      parseDuration,
      'a duration such as 900, 90s, 15m or 1h',
    ),
    // Beside the code, not the working directory: dist/config/ and src/config/ both sit two
    // levels under the repository root, where the dashboard's build lands (web/dist).
    webDir: resolve(env.KILN_WEB_DIR || join(__dirname, '..', '..', 'web', 'dist')),
    production,
    storage,
    s3: storage === 's3' ? readS3Settings(env, problems, read) : undefined,
    cacheDir: resolve(env.KILN_CACHE_DIR || join(resolve(env.KILN_DATA_DIR || './data'), 'cache')),
    cacheMaxBytes: read(
      'KILN_CACHE_MAX_BYTES',
      10 * 1024 ** 3,
      int(1),
      'a positive number of bytes',
    ),
  };
  if (
    production &&
    config.jwtSecret === undefined &&
    !problems.some((p) => p.startsWith('JWT_SECRET'))
  ) {
    problems.push('JWT_SECRET must be set when NODE_ENV=production');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Reads one variable: its parsed value, else `fallback` when unset; a bad value is a problem. */
type ReadVariable = <T>(
  name: string,
  fallback: T,
  parse: (raw: string) => T | undefined,
  expected: string,
) => T;

/** `REDIS_SENTINELS` and `REDIS_SENTINEL_NAME`: both or neither. */
function readSentinel(
  env: Env,
  problems: string[],
  read: ReadVariable,
): RedisSentinelTarget | undefined {
  const sentinels = read(
    'REDIS_SENTINELS',
    undefined,
    (raw) => {
      const list = raw.split(',').map((entry) => /^\s*([^\s:]+):(\d{1,5})\s*$/.exec(entry));
      return list.every((match) => match !== null)
        ? list.map((match) => ({ host: match[1], port: Number(match[2]) }))
        : undefined;
    },
    'a comma-separated list of host:port',
  );
  const name = env.REDIS_SENTINEL_NAME ?? '';
  if ((sentinels === undefined) !== (name === '')) {
    if (!problems.some((p) => p.startsWith('REDIS_SENTINELS')))
      problems.push('REDIS_SENTINELS and REDIS_SENTINEL_NAME must be set together');
    return undefined;
  }
  return sentinels && { sentinels, name };
}

/** The `S3_*` variables; a missing bucket or half a key pair is a problem, not a default. */
function readS3Settings(env: Env, problems: string[], read: ReadVariable): S3Settings {
  const flag = (raw: string) => (raw === '1' || raw === '0' ? raw === '1' : undefined);
  const bucket = env.S3_BUCKET ?? '';
  if (bucket === '') problems.push('S3_BUCKET must be set when KILN_STORAGE=s3');
  const accessKeyId = env.S3_ACCESS_KEY_ID ?? '';
  const secretAccessKey = env.S3_SECRET_ACCESS_KEY ?? '';
  if ((accessKeyId === '') !== (secretAccessKey === ''))
    problems.push('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together');
  return {
    endpoint: read(
      'S3_ENDPOINT',
      undefined,
      (raw) => (/^https?:\/\/[^\s]+$/.test(raw) ? raw.replace(/\/$/, '') : undefined),
      'an http:// or https:// URL',
    ),
    bucket,
    region: env.S3_REGION || 'us-east-1',
    credentials:
      accessKeyId !== '' && secretAccessKey !== '' ? { accessKeyId, secretAccessKey } : undefined,
    forcePathStyle: read('S3_FORCE_PATH_STYLE', false, flag, '0 or 1'),
    redirect: read('KILN_S3_REDIRECT', false, flag, '0 or 1'),
  };
}

/** In development a browser app on any local port may call the API. */
const DEVELOPMENT_CORS_ORIGINS = ['http://localhost:*', 'http://127.0.0.1:*', 'http://[::1]:*'];

const ORIGIN_PATTERN = /^https?:\/\/(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:(\d{1,5}|\*))?$/;

/**
 * `https://a.example, http://localhost:*` → the list, lower-cased, without a trailing `/`;
 * `none` → no origin but the API's own.
 */
export function parseOrigins(raw: string): string[] | undefined {
  if (raw.trim() === 'none') return [];
  const origins = raw
    .split(',')
    .map((origin) => origin.trim().toLowerCase().replace(/\/$/, ''))
    .filter((origin) => origin !== '');
  return origins.every((origin) => origin === '*' || ORIGIN_PATTERN.test(origin))
    ? origins
    : undefined;
}

/** Variables whose value is never printed, not even a bad one. */
const SECRET_NAME = /SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|PRIVATE|API_KEY/i;

/** How a bad value appears in the start-up error: secrets hidden, URL credentials masked. */
function shownValue(name: string, raw: string): string {
  if (SECRET_NAME.test(name)) return `(hidden, ${raw.length} characters)`;
  return JSON.stringify(redactUrl(raw));
}

/** A URL with its user and password (`redis://user:pass@host`) replaced by `***`. */
export function redactUrl(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^@/]*@/i, '$1***@');
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `3600`, `90s`, `15m`, `1h`, `7d` → seconds. */
export function parseDuration(raw: string): number | undefined {
  const match = /^(\d+)([smhd]?)$/.exec(raw.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] || 's'];
  return seconds > 0 ? seconds : undefined;
}
