import { sendRedisCommand } from '../../test/support/redis-wire';
import { type PrivateRedis, startPrivateRedis } from '../../test/support/private-redis';
import { evictionWarning } from './eviction-policy';

describe('evictionWarning', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    // A Redis of the test's own: the shared one's configuration is not ours to change.
    redis = await startPrivateRedis();
  });
  afterAll(async () => redis?.stop());

  it('says nothing for noeviction, and names any other policy in one line', async () => {
    await sendRedisCommand(redis.port, 'CONFIG SET maxmemory-policy noeviction');
    expect(await evictionWarning(redis.url)).toBeUndefined();

    await sendRedisCommand(redis.port, 'CONFIG SET maxmemory-policy allkeys-lru');
    expect(await evictionWarning(redis.url)).toBe(
      `Redis at ${redis.url} has maxmemory-policy allkeys-lru: set it to noeviction (CONFIG SET maxmemory-policy noeviction), or queued tasks may be lost when it fills up`,
    );
  });

  it('says nothing when Redis cannot be asked', async () => {
    expect(await evictionWarning('redis://127.0.0.1:1')).toBeUndefined();
  });
});
