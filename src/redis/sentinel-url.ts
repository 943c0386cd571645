import type { RedisSentinelTarget } from '../config/kiln-config';

/**
 * What a master found through Sentinel is called in logs and carried as the connections' `url`:
 * `REDIS_URL`'s scheme and credentials (used for the master), the sentinels and the name.
 */
export function sentinelDisplayUrl(
  redisUrl: string | undefined,
  target: RedisSentinelTarget,
): string {
  const base = new URL(redisUrl ?? 'redis://localhost');
  const auth = base.username || base.password ? `${base.username}:${base.password}@` : '';
  const hosts = target.sentinels.map(({ host, port }) => `${host}:${port}`).join(',');
  return `${base.protocol}//${auth}${hosts}/${target.name}`;
}
