import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { redactUrl } from './redis-error-log';

export interface LocatedRedis {
  url: string;
  /** Where it came from, for the start-up log line. */
  source: 'REDIS_URL' | 'local' | 'embedded' | 'sentinel';
  /** The embedded Redis's data folder. */
  dir?: string;
  /**
   * Stops the redis-server Kiln started itself (SHUTDOWN: it writes its data first); absent
   * when Kiln did not start it. Call it last, once nothing uses Redis any more.
   */
  stop?: () => Promise<void>;
}

/** Kiln cannot have a Redis; the message is the one line start-up prints. */
export class RedisUnavailableError extends Error {
  constructor(
    message = 'Kiln needs Redis: set REDIS_URL, or run one at 127.0.0.1:6379, or install redis-server so Kiln can start its own.',
  ) {
    super(message);
    this.name = 'RedisUnavailableError';
  }
}

export const LOCAL_REDIS_URL = 'redis://127.0.0.1:6379';
/** How long start-up waits for the Redis of REDIS_URL, which may still be starting. */
export const REDIS_START_WAIT_MS = 5000;

export interface LocateOptions {
  /** The address probed when REDIS_URL is not set (KILN_LOCAL_REDIS_URL; tests move it). */
  localUrl?: string;
  redisServer?: string;
  startWaitMs?: number;
}

/**
 * Finds the Redis to use: `REDIS_URL` if set (waiting a few seconds for it to answer); else a
 * Redis answering at 127.0.0.1:6379; else one Kiln starts itself from `redis-server` on the
 * PATH, with its data (AOF) under `{dataDir}/redis`.
 */
export async function locateRedis(
  redisUrl: string | undefined,
  dataDir: string,
  {
    localUrl = LOCAL_REDIS_URL,
    redisServer = 'redis-server',
    startWaitMs = REDIS_START_WAIT_MS,
  }: LocateOptions = {},
): Promise<LocatedRedis> {
  if (redisUrl) {
    await waitForRedis(redisUrl, startWaitMs);
    return { url: redisUrl, source: 'REDIS_URL' };
  }
  if ((await ping(localUrl)) === true) return { url: localUrl, source: 'local' };
  const dir = join(dataDir, 'redis');
  const embedded = await startEmbeddedRedis(redisServer, dir);
  if (!embedded) throw new RedisUnavailableError();
  return { ...embedded, dir, source: 'embedded' };
}

/**
 * The start-up line saying which Redis Kiln writes to and how it found it. Using whatever
 * answers on the default port is a warning: on a shared machine it may be someone else's.
 */
export function describeRedis(
  located: LocatedRedis,
  keyPrefix: string,
  localUrl = LOCAL_REDIS_URL,
): { level: 'log' | 'warn'; message: string } {
  const url = redactUrl(located.url);
  const keys = `every key under "${keyPrefix}:"`;
  switch (located.source) {
    case 'REDIS_URL':
      return { level: 'log', message: `Redis: ${url}, from REDIS_URL; ${keys}` };
    case 'sentinel':
      return { level: 'log', message: `Redis: ${url}, through REDIS_SENTINELS; ${keys}` };
    case 'local':
      return {
        level: 'warn',
        message: `Redis: ${url}, because REDIS_URL is not set and a Redis answers there; ${keys}. Set REDIS_URL to choose the Redis yourself.`,
      };
    case 'embedded':
      return {
        level: 'log',
        message: `Redis: ${url}, a redis-server Kiln started because REDIS_URL is not set and nothing answers at ${redactUrl(localUrl)}; data in ${located.dir}; it stops with Kiln; ${keys}`,
      };
  }
}

async function waitForRedis(url: string, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const answer = await ping(url);
    if (answer === true) return;
    // A refused password will not be accepted by waiting: say so at once.
    if (/^(WRONGPASS|NOAUTH)\b/.test(answer)) {
      throw new RedisUnavailableError(
        `Redis at ${redactUrl(url)} (REDIS_URL) refused the credentials: ${answer} Correct the user or password in REDIS_URL.`,
      );
    }
    if (Date.now() >= deadline) {
      throw new RedisUnavailableError(
        `Redis at ${redactUrl(url)} (REDIS_URL) did not answer within ${Math.round(waitMs / 1000)} s: ${answer}. Start it, or correct REDIS_URL.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** True when the Redis at `url` answers PING, else why not. */
async function ping(url: string, timeoutMs = 500): Promise<true | string> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // A refused connection is an answer here, not a fault; its message says more than the
  // "Connection is closed." that connect() rejects with.
  let cause: string | undefined;
  client.on('error', (error: Error) => (cause = error.message));
  try {
    await client.connect();
    return (await client.ping()) === 'PONG' ? true : 'it did not answer PING with PONG';
  } catch (error) {
    return (cause ?? (error instanceof Error ? error.message : String(error))).replace(/\.$/, '');
  } finally {
    client.disconnect();
  }
}

async function startEmbeddedRedis(
  redisServer: string,
  dir: string,
): Promise<{ url: string; stop: () => Promise<void> } | undefined> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  let child: ChildProcess;
  try {
    child = spawn(
      redisServer,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--save',
        '',
      ],
      // Its own process group: Ctrl-C (SIGINT to the terminal's group) must reach Kiln only,
      // which stops this Redis last, after everything that writes to it.
      { stdio: 'ignore', detached: true },
    );
  } catch {
    return undefined;
  }
  const spawned = await new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', () => resolve(false));
  });
  if (!spawned) return undefined;
  // It must not outlive a Kiln that exits without stopping it (a signal while starting, a
  // crash, the shutdown deadline): SIGTERM makes redis-server save and go. Nor may it keep
  // Kiln's event loop alive.
  const stopOnExit = () => {
    if (isRunning(child)) child.kill('SIGTERM');
  };
  process.once('exit', stopOnExit);
  child.unref();
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while ((await ping(url)) !== true) {
    if (Date.now() > deadline || child.exitCode !== null) {
      process.removeListener('exit', stopOnExit);
      child.kill('SIGKILL');
      return undefined;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const stop = async () => {
    if (!isRunning(child)) return;
    const exited = new Promise<boolean>((resolve) => child.once('exit', () => resolve(true)));
    const exitsWithin = (ms: number) => Promise.race([exited, sleep(ms, false, { ref: false })]);
    // SHUTDOWN flushes and fsyncs the AOF before the server exits; SIGTERM does the same.
    await sendShutdown(port);
    if (await exitsWithin(5000)) return;
    child.kill('SIGTERM');
    if (await exitsWithin(2000)) return;
    child.kill('SIGKILL');
  };
  return { url, stop };
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Sends SHUTDOWN on a plain socket; Redis answers by closing it (or with an error line). */
function sendShutdown(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(2000, () => socket.destroy());
    socket.on('connect', () => socket.write('SHUTDOWN\r\n'));
    socket.on('data', () => socket.end());
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
  });
}

/** A TCP port on loopback that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no free port')),
      );
    });
  });
}
