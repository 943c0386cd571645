/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return --
   Plain JavaScript run by node without a compile step: values from JSON, IPC and sockets are
   untyped (`any`) to the type-aware rules, which are meant for the TypeScript sources. */
// Where things are, a Redis to talk to, fresh prefixes and temp dirs, and clean-up.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, freemem, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import Redis from 'ioredis';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');
export const DIST_MAIN = join(REPO_ROOT, 'dist', 'main.js');
/** The repository's own test fixtures (test/fixtures/SOURCES.md); big inputs are generated. */
export const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');

/** CommonJS modules of the build (constants only: encoder settings, job options). */
export const requireFromRepo = createRequire(join(REPO_ROOT, 'package.json'));

/** The value after `name` on the command line (`--rounds 5` → '5'), or undefined. */
export function argValue(name) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

export function assertBuilt() {
  if (!existsSync(DIST_MAIN)) {
    throw new Error(`${DIST_MAIN} is missing: run "npm run build" first (or "npm run bench").`);
  }
}

/** A fresh key prefix (letters, digits, - only, as KILN_KEY_PREFIX requires). */
export function freshPrefix(name) {
  return `kiln-bench-${name}-${randomBytes(4).toString('hex')}`;
}

export function freshTempDir(name) {
  return mkdtempSync(join(tmpdir(), `kiln-bench-${name}-`));
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function pings(url, timeoutMs = 1000) {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * REDIS_URL when set; else the Redis at 127.0.0.1:6379; else a redis-server of our own on a
 * free loopback port (no persistence), stopped by `stop()`.
 */
export async function locateRedis() {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, source: 'REDIS_URL' };
  const local = 'redis://127.0.0.1:6379';
  if (await pings(local)) return { url: local, source: '127.0.0.1:6379' };
  const port = await freePort();
  const dir = freshTempDir('redis');
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { cwd: dir, stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (!(await pings(url, 300))) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error('redis-server did not start');
    await sleep(100);
  }
  return {
    url,
    source: `own redis-server on :${port}`,
    async stop() {
      child.kill('SIGTERM');
      await sleep(200);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Deletes every key under `prefix:` (SCAN MATCH, bounded), returns how many. */
export async function deleteKeys(url, prefix) {
  const redis = new Redis(url);
  let deleted = 0;
  try {
    let cursor = '0';
    for (let i = 0; i < 100_000; i++) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) deleted += await redis.unlink(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
  } finally {
    await redis.quit();
  }
  return deleted;
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * What was measured: the commit checked out, whether src/ differs from it, and when dist/ was
 * built (the benches run dist/, so a src/ newer than dist/ means an out-of-date build).
 */
export function buildInfo() {
  const git = (...args) => {
    try {
      return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    } catch {
      return undefined;
    }
  };
  const distBuiltAt = existsSync(DIST_MAIN) ? statSync(DIST_MAIN).mtime.toISOString() : undefined;
  const srcChangedAt = git('log', '-1', '--format=%cI', '--', 'src');
  return {
    commit: git('rev-parse', '--short', 'HEAD'),
    subject: git('log', '-1', '--format=%s'),
    srcDirty: (git('status', '--porcelain', '--', 'src') ?? '') !== '',
    distBuiltAt,
    srcNewerThanDist:
      srcChangedAt !== undefined &&
      distBuiltAt !== undefined &&
      new Date(srcChangedAt) > new Date(distBuiltAt),
  };
}

/** The machine, for the report. */
export function machine() {
  const cpuList = cpus();
  return {
    cpu: cpuList[0]?.model ?? 'unknown',
    cores: cpuList.length,
    memGB: Math.round(totalmem() / 1024 ** 3),
    freeMemGB: Math.round(freemem() / 1024 ** 3),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

export function writeResult(name, result) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}

/** Runs `body` with clean-up guaranteed; SIGINT/SIGTERM run the clean-up too. */
export async function withCleanup(body) {
  const cleanups = [];
  const cleanupAll = async () => {
    while (cleanups.length > 0) {
      const fn = cleanups.pop();
      try {
        await fn();
      } catch (error) {
        console.error('clean-up step failed:', error);
      }
    }
  };
  const onSignal = () => {
    void cleanupAll().finally(() => process.exit(130));
  };
  // A promise nobody awaited yet (e.g. a load lane) rejecting must not skip the clean-up either.
  const onUnhandled = (error) => {
    console.error('unhandled rejection:', error);
    void cleanupAll().finally(() => process.exit(1));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('unhandledRejection', onUnhandled);
  try {
    return await body((fn) => cleanups.push(fn));
  } finally {
    await cleanupAll();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('unhandledRejection', onUnhandled);
  }
}
