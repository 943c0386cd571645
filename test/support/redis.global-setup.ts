import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/redis/redis-locator';
import { sendRedisCommand } from './redis-wire';

/**
 * Tests run against a real Redis: `REDIS_URL` when given, otherwise a `redis-server` of their
 * own on a free port, with no persistence, stopped by the global teardown.
 */
export default async function startTestRedis(): Promise<void> {
  if (process.env.REDIS_URL) return;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'kiln-test-redis-'));
  // Daemonized (execFileSync returns once it forked), so no child handle keeps jest alive.
  try {
    execFileSync(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--daemonize',
        'yes',
      ],
      { stdio: 'ignore' },
    );
  } catch (error) {
    throw new Error(
      `Tests need Redis: set REDIS_URL or put redis-server on the PATH (${(error as Error).message})`,
    );
  }
  const deadline = Date.now() + 10_000;
  while ((await sendRedisCommand(port, 'PING').catch(() => '')) !== '+PONG') {
    if (Date.now() > deadline)
      throw new Error(`The test redis-server on port ${port} did not answer within 10 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  process.env.REDIS_URL = `redis://127.0.0.1:${port}`;
  process.env.KILN_TEST_REDIS_PORT = String(port);
  process.env.KILN_TEST_REDIS_DIR = dir;
}
