import Redis from 'ioredis';
import { redactUrl } from '../config/kiln-config';

/**
 * One line for the start-up log when the Redis at `url` may evict keys (BullMQ needs
 * `maxmemory-policy noeviction`: an evicted job or lock is a lost task); undefined when the
 * policy is `noeviction` or cannot be read (managed Redis often refuses CONFIG).
 */
export async function evictionWarning(url: string): Promise<string | undefined> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined); // an answer or none is all this asks
  try {
    await client.connect();
    const reply = (await client.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1];
    if (policy === undefined || policy === 'noeviction') return undefined;
    return `Redis at ${redactUrl(url)} has maxmemory-policy ${policy}: set it to noeviction (CONFIG SET maxmemory-policy noeviction), or queued tasks may be lost when it fills up`;
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}
