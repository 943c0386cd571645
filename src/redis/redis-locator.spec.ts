import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { describeRedis, freePort, locateRedis, RedisUnavailableError } from './redis-locator';

/** A loopback URL where nothing listens (port 1 is privileged and unused). */
const NOWHERE = 'redis://127.0.0.1:1';

describe('locateRedis', () => {
  let dataDir: string;
  beforeEach(async () => (dataDir = await mkdtemp(join(tmpdir(), 'kiln-locator-'))));
  afterEach(async () => rm(dataDir, { recursive: true, force: true }));

  it('uses REDIS_URL once it answers', async () => {
    const testRedis = process.env.REDIS_URL as string;
    await expect(locateRedis(testRedis, dataDir, { localUrl: NOWHERE })).resolves.toEqual({
      url: testRedis,
      source: 'REDIS_URL',
    });
  });

  it('waits a bounded time for the Redis of REDIS_URL, then stops with one line saying why', async () => {
    const startedAt = Date.now();
    await expect(locateRedis(NOWHERE, dataDir, { startWaitMs: 1000 })).rejects.toThrow(
      new RedisUnavailableError(
        'Redis at redis://127.0.0.1:1 (REDIS_URL) did not answer within 1 s: connect ECONNREFUSED 127.0.0.1:1. Start it, or correct REDIS_URL.',
      ),
    );
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1000);
  });

  it('waits for a Redis of REDIS_URL that is still starting', async () => {
    const port = await freePort();
    let server: ChildProcess | undefined;
    const startLater = setTimeout(() => {
      server = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], {
        stdio: 'ignore',
      });
    }, 1000);
    try {
      await expect(locateRedis(`redis://127.0.0.1:${port}`, dataDir)).resolves.toMatchObject({
        source: 'REDIS_URL',
      });
    } finally {
      clearTimeout(startLater);
      server?.kill('SIGKILL');
    }
  });

  it('uses a Redis that answers at the local address', async () => {
    const testRedis = process.env.REDIS_URL as string;
    await expect(locateRedis(undefined, dataDir, { localUrl: testRedis })).resolves.toEqual({
      url: testRedis,
      source: 'local',
    });
  });

  it('starts its own redis-server, with an AOF under {dataDir}/redis, when none answers', async () => {
    const located = await locateRedis(undefined, dataDir, { localUrl: NOWHERE });
    try {
      expect(located.source).toBe('embedded');
      const client = new Redis(located.url);
      await client.set('kiln-locator-probe', '1');
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      await client.quit();
    } finally {
      await located.stop?.();
    }
    expect(await readdir(join(dataDir, 'redis'))).toContain('appendonlydir');
  });

  it('runs its redis-server in a process group of its own (Ctrl-C does not reach it) and stops it with its data saved', async () => {
    const located = await locateRedis(undefined, dataDir, { localUrl: NOWHERE });
    let pid: number;
    try {
      const client = new Redis(located.url);
      pid = Number(/process_id:(\d+)/.exec(await client.info('server'))?.[1]);
      await client.set('kiln-saved-on-stop', '1');
      await client.quit();
      expect(processGroup(pid)).not.toBe(processGroup(process.pid));
    } finally {
      await located.stop?.();
    }
    expect(() => process.kill(pid, 0)).toThrow('ESRCH');
    const aofDir = join(dataDir, 'redis', 'appendonlydir');
    const aof = await Promise.all(
      (await readdir(aofDir)).map((name) => readFile(join(aofDir, name), 'latin1')),
    );
    expect(aof.join('')).toContain('kiln-saved-on-stop');
  });

  it('stops with one line naming the three ways when no Redis can be had', async () => {
    await expect(
      locateRedis(undefined, dataDir, { localUrl: NOWHERE, redisServer: 'no-such-redis-server' }),
    ).rejects.toThrow(new RedisUnavailableError().message);
    expect(new RedisUnavailableError().message).toBe(
      'Kiln needs Redis: set REDIS_URL, or run one at 127.0.0.1:6379, or install redis-server so Kiln can start its own.',
    );
  });
});

describe('describeRedis: the start-up line naming the Redis and how it was found', () => {
  it('names the REDIS_URL without its password', () => {
    expect(
      describeRedis({ url: 'redis://:s3cret@cache.internal:6380/2', source: 'REDIS_URL' }, 'kiln'),
    ).toEqual({
      level: 'log',
      message: 'Redis: redis://:***@cache.internal:6380/2, from REDIS_URL; every key under "kiln:"',
    });
  });

  it('warns when it writes to whatever Redis answers on the local default port', () => {
    expect(describeRedis({ url: 'redis://127.0.0.1:6379', source: 'local' }, 'shop')).toEqual({
      level: 'warn',
      message:
        'Redis: redis://127.0.0.1:6379, because REDIS_URL is not set and a Redis answers there; every key under "shop:". Set REDIS_URL to choose the Redis yourself.',
    });
  });

  it('says where an embedded Redis keeps its data and that it stops with Kiln', () => {
    expect(
      describeRedis(
        { url: 'redis://127.0.0.1:41000', source: 'embedded', dir: '/srv/kiln/data/redis' },
        'kiln',
      ).message,
    ).toBe(
      'Redis: redis://127.0.0.1:41000, a redis-server Kiln started because REDIS_URL is not set and nothing answers at redis://127.0.0.1:6379; data in /srv/kiln/data/redis; it stops with Kiln; every key under "kiln:"',
    );
  });
});

/** Field 5 of /proc/<pid>/stat: the process group. */
function processGroup(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[5 - 3];
}
