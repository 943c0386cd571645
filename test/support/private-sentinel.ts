import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/redis/redis-locator';
import { waitFor } from './kiln-app';
import { exitOf } from './process-exit';
import { redisReplyLines, sendRedisCommand } from './redis-wire';

/** A `redis-server --sentinel` of one test's own, the only sentinel of the master it monitors. */
export interface PrivateSentinel {
  port: number;
  /** The name it monitors the master as (`REDIS_SENTINEL_NAME`). */
  name: string;
  /** The port of the master it names now (`SENTINEL get-master-addr-by-name`). */
  masterPort(): Promise<number | undefined>;
  /** Resolves once it knows `count` replicas of the master (found in the master's INFO). */
  knowsReplicas(count: number): Promise<void>;
  /** Kills it and deletes its dir. */
  stop(): Promise<void>;
}

export interface PrivateSentinelOptions {
  /** How long the master must not answer before it is down (`down-after-milliseconds`). */
  downAfterMs?: number;
  /** `failover-timeout`: also twice this before a failed failover is tried again. */
  failoverTimeoutMs?: number;
}

/**
 * Starts a sentinel monitoring the Redis on 127.0.0.1:`masterPort` with quorum 1, so it alone
 * decides a failover; resolves once it names that master.
 */
export async function startPrivateSentinel(
  masterPort: number,
  options: PrivateSentinelOptions = {},
): Promise<PrivateSentinel> {
  const name = 'kiln-master';
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'kiln-sentinel-'));
  const conf = join(dir, 'sentinel.conf');
  // Sentinel rewrites its config file: it must be its own and writable.
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
      ...(options.downAfterMs
        ? [`sentinel down-after-milliseconds ${name} ${options.downAfterMs}`]
        : []),
      ...(options.failoverTimeoutMs
        ? [`sentinel failover-timeout ${name} ${options.failoverTimeoutMs}`]
        : []),
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
  const sentinel: PrivateSentinel = {
    port,
    name,
    async masterPort() {
      const lines = await redisReplyLines(port, `SENTINEL get-master-addr-by-name ${name}`, 5);
      return lines[0] === '*2' && lines[4] ? Number(lines[4]) : undefined;
    },
    async knowsReplicas(count) {
      await waitFor(
        `the sentinel to know ${count} replica(s)`,
        async () =>
          (await sendRedisCommand(port, `SENTINEL replicas ${name}`).catch(() => '')) ===
          `*${count}`,
        // It reads the master's INFO every 10 s once it runs: a replica that connected after
        // the first read is seen at the next.
        20_000,
      );
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exitOf(child);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor(
      'the sentinel to know its master',
      async () => (await sentinel.masterPort().catch(() => undefined)) === masterPort,
      20_000,
    );
  } catch (error) {
    await sentinel.stop();
    throw error;
  }
  return sentinel;
}
