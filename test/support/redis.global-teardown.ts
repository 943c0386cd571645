import { rmSync } from 'node:fs';
import { sendRedisCommand } from './redis-wire';

/** Stops the redis-server the global setup started, if it started one, and removes its folder. */
export default async function stopTestRedis(): Promise<void> {
  const port = Number(process.env.KILN_TEST_REDIS_PORT);
  if (!port) return;
  // SHUTDOWN closes the connection instead of answering.
  await sendRedisCommand(port, 'SHUTDOWN NOSAVE').catch(() => '');
  if (process.env.KILN_TEST_REDIS_DIR)
    rmSync(process.env.KILN_TEST_REDIS_DIR, { recursive: true, force: true });
}
