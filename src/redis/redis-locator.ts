import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Redis from 'ioredis';

export interface LocatedRedis {
  url: string;
  /** Where it came from, for the start-up log line. */
  source: 'REDIS_URL' | 'local' | 'embedded';
  /** Stops the redis-server Kiln started itself; absent when Kiln did not start it. */
  stop?: () => Promise<void>;
}

export class RedisUnavailableError extends Error {
  constructor() {
    super(
      'Kiln needs Redis: set REDIS_URL, or run one at 127.0.0.1:6379, or install redis-server so Kiln can start its own.',
    );
    this.name = 'RedisUnavailableError';
  }
}

const LOCAL_URL = 'redis://127.0.0.1:6379';

/**
 * Finds the Redis to use: `REDIS_URL` if set; else a Redis answering at 127.0.0.1:6379; else one
 * Kiln starts itself from `redis-server` on the PATH, with its data (AOF) under `{dataDir}/redis`.
 */
export async function locateRedis(
  redisUrl: string | undefined,
  dataDir: string,
  // Overridable so specs can take the other branches on a machine that runs a Redis at 6379.
  { localUrl = LOCAL_URL, redisServer = 'redis-server' } = {},
): Promise<LocatedRedis> {
  if (redisUrl) return { url: redisUrl, source: 'REDIS_URL' };
  if (await answersPing(localUrl)) return { url: localUrl, source: 'local' };
  const embedded = await startEmbeddedRedis(redisServer, join(dataDir, 'redis'));
  if (!embedded) throw new RedisUnavailableError();
  return { ...embedded, source: 'embedded' };
}

async function answersPing(url: string, timeoutMs = 500): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined); // a refused connection is an answer here, not a fault
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
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
      { stdio: 'ignore' },
    );
  } catch {
    return undefined;
  }
  const spawned = await new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', () => resolve(false));
  });
  if (!spawned) return undefined;
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (!(await answersPing(url))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      return undefined;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM'); // redis-server flushes the AOF on SIGTERM
    });
  return { url, stop };
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
