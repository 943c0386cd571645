import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';

/** A Redis client for one test file, with a key prefix of its own so files never share keys. */
export function connectTestRedis(): { redis: Redis; keyPrefix: string } {
  const url = process.env.REDIS_URL;
  if (!url)
    throw new Error('REDIS_URL is not set: the jest global setup should have started Redis');
  return { redis: new Redis(url), keyPrefix: testKeyPrefix() };
}

/** A key prefix no other test file uses. */
export function testKeyPrefix(): string {
  return `kiln-test-${randomBytes(4).toString('hex')}`;
}

/** Deletes every key under the prefix, then closes the client. */
export async function cleanUpTestRedis(redis: Redis, keyPrefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}:*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
}
