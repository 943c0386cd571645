import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { locateRedis, RedisUnavailableError } from './redis-locator';

/** A loopback URL where nothing listens (port 1 is privileged and unused). */
const NOWHERE = 'redis://127.0.0.1:1';

describe('locateRedis', () => {
  let dataDir: string;
  beforeEach(async () => (dataDir = await mkdtemp(join(tmpdir(), 'kiln-locator-'))));
  afterEach(async () => rm(dataDir, { recursive: true, force: true }));

  it('uses REDIS_URL as given, without probing', async () => {
    await expect(locateRedis('redis://example.invalid:6380/3', dataDir)).resolves.toEqual({
      url: 'redis://example.invalid:6380/3',
      source: 'REDIS_URL',
    });
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

  it('stops with one line naming the three ways when no Redis can be had', async () => {
    await expect(
      locateRedis(undefined, dataDir, { localUrl: NOWHERE, redisServer: 'no-such-redis-server' }),
    ).rejects.toThrow(new RedisUnavailableError().message);
    expect(new RedisUnavailableError().message).toBe(
      'Kiln needs Redis: set REDIS_URL, or run one at 127.0.0.1:6379, or install redis-server so Kiln can start its own.',
    );
  });
});
