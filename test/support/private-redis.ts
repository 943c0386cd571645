import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/redis/redis-locator';
import { waitFor } from './kiln-app';
import { exitOf } from './process-exit';
import { sendRedisCommand } from './redis-wire';

/** A redis-server of one test's own, with an append-only file, that the test may restart. */
export interface PrivateRedis {
  port: number;
  url: string;
  dir: string;
  /** SHUTDOWN (the AOF is flushed and fsynced), waits for the exit. */
  shutDown(): Promise<void>;
  /** Starts it again on the same port and dir (it loads the AOF), resolves once it answers PING. */
  start(): Promise<void>;
  /** SIGKILL, as a crash or a lost machine (nothing is flushed), and waits for the exit. */
  kill(): Promise<void>;
  /** Stops it for good and deletes its dir. */
  stop(): Promise<void>;
}

export interface PrivateRedisOptions {
  /** The port of a Redis on 127.0.0.1 this one is a replica of (`--replicaof`). */
  replicaOf?: number;
}

export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'kiln-private-redis-'));
  let child: ChildProcess | undefined;
  const pong = async () =>
    (await sendRedisCommand(port, 'PING').catch(() => '')) === '+PONG' ? true : undefined;
  const running = () => child && child.exitCode === null && child.signalCode === null;
  const redis: PrivateRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    async start() {
      child = spawn(
        'redis-server',
        [
          ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
          ...['--appendonly', 'yes', '--save', ''],
          ...(options.replicaOf ? ['--replicaof', '127.0.0.1', String(options.replicaOf)] : []),
        ],
        { stdio: 'ignore' },
      );
      await waitFor(`redis-server on port ${port}`, pong, 20_000);
    },
    async shutDown() {
      if (!child || !running()) return;
      const exited = exitOf(child);
      await sendRedisCommand(port, 'SHUTDOWN').catch(() => '');
      await exited;
    },
    async kill() {
      if (!child || !running()) return;
      child.kill('SIGKILL');
      await exitOf(child);
    },
    async stop() {
      await redis.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await redis.start();
  return redis;
}
