import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { freePort } from '../src/redis/redis-locator';
import { FIXTURES, type RunningKiln, signUp, startKiln, waitFor } from './support/kiln-app';
import { type PrivateRedis, startPrivateRedis } from './support/private-redis';
import { exitOf } from './support/process-exit';
import { sendRedisCommand } from './support/redis-wire';

/** Kiln reaching its Redis through a real Sentinel (`redis-server --sentinel`) that monitors it. */
describe('REDIS_SENTINELS: Redis through Sentinel', () => {
  let redis: PrivateRedis;
  let sentinel: ChildProcess;
  let sentinelDir: string;
  let kiln: RunningKiln;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    const port = await freePort();
    sentinelDir = mkdtempSync(join(tmpdir(), 'kiln-sentinel-'));
    const conf = join(sentinelDir, 'sentinel.conf');
    // Sentinel rewrites its config file: it must be its own and writable.
    writeFileSync(
      conf,
      `port ${port}\nbind 127.0.0.1\nsentinel monitor kiln-master 127.0.0.1 ${redis.port} 1\n`,
    );
    sentinel = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
    await waitFor(
      'the sentinel to know its master',
      async () =>
        (
          await sendRedisCommand(port, 'SENTINEL get-master-addr-by-name kiln-master').catch(
            () => '',
          )
        ).startsWith('*2')
          ? true
          : undefined,
      20_000,
    );
    kiln = await startKiln({
      REDIS_URL: '',
      REDIS_SENTINELS: `127.0.0.1:${port}`,
      REDIS_SENTINEL_NAME: 'kiln-master',
    });
  });
  afterAll(async () => {
    await kiln?.stop();
    if (sentinel && sentinel.exitCode === null) {
      sentinel.kill('SIGKILL');
      await exitOf(sentinel);
    }
    rmSync(sentinelDir, { recursive: true, force: true });
    await redis?.stop();
  });

  it('says so at start-up, and runs the core loop on the master the sentinel names', async () => {
    expect(kiln.output()).toMatch(
      /Redis: redis:\/\/127\.0\.0\.1:\d+\/kiln-master, through REDIS_SENTINELS/,
    );
    const user = await signUp(kiln.baseUrl, 'sentinel');
    const upload = await request(kiln.baseUrl)
      .post('/uploads')
      .set('Authorization', `Bearer ${user.token}`)
      .attach('files', join(FIXTURES, 'image/CesiumLogoFlat.png'))
      .expect(201);
    const { taskId } = upload.body.assets[0] as { taskId: string };
    const task = await waitFor('the task to end', async () => {
      const { body } = await request(kiln.baseUrl)
        .get(`/tasks/${taskId}`)
        .set('Authorization', `Bearer ${user.token}`)
        .expect(200);
      return ['succeeded', 'failed'].includes(body.state as string)
        ? (body as Record<string, unknown>)
        : undefined;
    });
    expect(task).toMatchObject({ state: 'succeeded' });
    // The keys are on the master the sentinel monitors.
    expect(await sendRedisCommand(redis.port, `EXISTS ${kiln.keyPrefix}:task:${taskId}`)).toBe(
      ':1',
    );
  });
});
