/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return --
   Plain JavaScript run by node without a compile step: values from JSON, IPC and sockets are
   untyped (`any`) to the type-aware rules, which are meant for the TypeScript sources. */
// ioredis with and without auto-pipelining, one connection, nothing else: N commands sent by C
// concurrent senders (each awaits its reply before the next), either a script shaped like
// Kiln's save (5 keys, a ~450-byte record, one event) or a GET. Reports client CPU µs and wall µs
// a command, and the GC pauses (count, total ms) over the timed part. Why Kiln's command
// connection has no auto-pipelining: docs/performance.md, "The paced phase's slowest 1 %".
//
//   node bench/redis-auto-pipelining.mjs [--commands 40000] [--concurrency 1,4,16]
// Runs each case in a fresh process, auto and plain alternated, on REDIS_URL or a private server.
import { fork } from 'node:child_process';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import Redis from 'ioredis';
import { argValue, freshPrefix, locateRedis, withCleanup } from './lib/env.mjs';
import { fmt, table } from './lib/stats.mjs';

const COMMANDS = Number(argValue('--commands') ?? 40_000);
const CONCURRENCY = (argValue('--concurrency') ?? '1,4,16').split(',').map(Number);

/** One case, in a child process of its own (a fresh heap): answers its figures over IPC. */
async function runCase({ url, auto, concurrency, command, prefix }) {
  const redis = new Redis(url, { enableAutoPipelining: auto });
  redis.defineCommand('saveLike', {
    numberOfKeys: 5,
    lua: "redis.call('SET', KEYS[1], ARGV[1]) return {}",
  });
  const record = JSON.stringify({ id: 'x'.repeat(36), state: 'running', filler: 'y'.repeat(380) });
  const key = (name) => `${prefix}:${name}`;
  const one =
    command === 'script'
      ? () =>
          redis.saveLike(
            key('a'),
            key('b'),
            key('c'),
            key('d'),
            key('e'),
            record,
            'id',
            1,
            '',
            '',
            key('channel'),
            10000,
            3600,
            1,
            'task.progress',
            record.slice(0, 200),
            0,
          )
      : () => redis.get(key('a'));
  const send = async (n) => {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = 0; i < n / concurrency; i++) await one();
      }),
    );
  };
  await send(COMMANDS / 10); // warm-up: the script loaded, the code optimized
  const gc = { count: 0, ms: 0, minor: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.count++;
      gc.ms += entry.duration;
      if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) gc.minor++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await send(COMMANDS);
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  await new Promise((resolve) => setTimeout(resolve, 50)); // the last GC entries
  observer.disconnect();
  await redis.del(key('a'));
  await redis.quit();
  return {
    cpuUs: (cpu.user + cpu.system) / COMMANDS,
    wallUs: (wallMs * 1000) / COMMANDS,
    gcCount: gc.count,
    gcMs: gc.ms,
  };
}

if (process.send && process.env.AUTO_PIPELINING_CASE) {
  process.send(await runCase(JSON.parse(process.env.AUTO_PIPELINING_CASE)));
  process.disconnect();
} else {
  await withCleanup(async (onCleanup) => {
    const redis = await locateRedis();
    if (redis.stop) onCleanup(() => redis.stop());
    const prefix = freshPrefix('autopipe');
    const rows = [];
    for (const command of ['script', 'get'])
      for (const concurrency of CONCURRENCY) {
        const figures = {};
        for (const auto of [true, false]) {
          const spec = { url: redis.url, auto, concurrency, command, prefix };
          const child = fork(fileURLToPath(import.meta.url), [], {
            env: { ...process.env, AUTO_PIPELINING_CASE: JSON.stringify(spec) },
          });
          figures[auto ? 'auto' : 'plain'] = await new Promise((resolve, reject) => {
            child.once('message', resolve);
            child.once('exit', (code) => reject(new Error(`case exited with ${code}`)));
          });
        }
        for (const mode of ['auto', 'plain']) {
          const f = figures[mode];
          rows.push([
            command,
            String(concurrency),
            mode,
            fmt(f.cpuUs, 1),
            fmt(f.wallUs, 1),
            String(f.gcCount),
            fmt(f.gcMs, 1),
          ]);
        }
      }
    console.log(`${COMMANDS} commands a case\n`);
    console.log(
      table(
        [
          'command',
          'senders',
          'auto-pipelining',
          'CPU µs a command',
          'wall µs a command',
          'GCs',
          'GC ms',
        ],
        rows,
      ),
    );
  });
}
