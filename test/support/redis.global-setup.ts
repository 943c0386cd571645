import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';

/**
 * Tests run against a real Redis: `REDIS_URL` when given, otherwise a `redis-server` of their
 * own on a free port, with no persistence, stopped by the global teardown.
 */
export default async function startTestRedis(): Promise<void> {
  if (process.env.REDIS_URL) return;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'kiln-test-redis-'));
  // Daemonized (execFileSync returns once it forked), so no child handle keeps jest alive;
  // the teardown stops it with SHUTDOWN.
  try {
    execFileSync('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'yes'], {
      stdio: 'ignore',
    });
  } catch (error) {
    throw new Error(`Tests need Redis: set REDIS_URL or put redis-server on the PATH (${(error as Error).message})`);
  }
  await waitForRedis(`redis://127.0.0.1:${port}`);
  process.env.REDIS_URL = `redis://127.0.0.1:${port}`;
  process.env.KILN_TEST_OWN_REDIS = '1';
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForRedis(url: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined); // a refused connect while the server starts is expected
    try {
      await client.connect();
      await client.ping();
      await client.quit();
      return;
    } catch (error) {
      client.disconnect();
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
