import Redis from 'ioredis';

/** Stops the redis-server the global setup started, if it started one. */
export default async function stopTestRedis(): Promise<void> {
  if (process.env.KILN_TEST_OWN_REDIS !== '1' || !process.env.REDIS_URL) return;
  const client = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: 0, retryStrategy: () => null });
  // SHUTDOWN closes the connection instead of answering.
  await client.shutdown('NOSAVE').catch(() => undefined);
  client.disconnect();
}
