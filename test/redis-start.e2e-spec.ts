import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import sharp from 'sharp';
import request from 'supertest';
import { sendRedisCommand } from './support/redis-wire';
import { REPO_ROOT, connectRealtime, signUp, waitFor } from './support/kiln-app';

/** Starts dist/main.js as `npm start` would, in a process group of its own (a terminal's). */
function startMain(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/main.js')], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, output: () => output, exited };
}

/** The AOF files of a Redis data folder, concatenated. */
function appendOnlyFile(redisDir: string): string {
  const dir = join(redisDir, 'appendonlydir');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.aof'))
    .map((name) => readFileSync(join(dir, name), 'latin1'))
    .join('');
}

describe('Finding Redis at start-up', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'kiln-redis-start-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stops with one line and a non-zero code when the Redis of REDIS_URL does not answer within a few seconds', async () => {
    const startedAt = Date.now();
    const kiln = startMain({ REDIS_URL: 'redis://127.0.0.1:1', KILN_DATA_DIR: dataDir });

    const code = await kiln.exited;

    const took = Date.now() - startedAt;
    expect(code).toBe(1);
    expect(kiln.output().trim().split('\n')).toEqual([
      expect.stringMatching(
        /^Kiln cannot start: Redis at redis:\/\/127\.0\.0\.1:1 \(REDIS_URL\) did not answer within 5 s: .*ECONNREFUSED.*\. Start it, or correct REDIS_URL\.$/,
      ),
    ]);
    expect(took).toBeGreaterThanOrEqual(4500);
    expect(took).toBeLessThan(15_000);
  }, 60_000);

  describe.each(['SIGINT', 'SIGTERM'] as const)(
    'with no REDIS_URL and nothing at the local address, then %s to the process group (Ctrl-C)',
    (signal) => {
      let kiln: ReturnType<typeof startMain>;
      let redisPort: number;

      beforeEach(async () => {
        kiln = startMain({ KILN_LOCAL_REDIS_URL: 'redis://127.0.0.1:1', KILN_DATA_DIR: dataDir });
        const line = await waitFor(
          'Kiln to listen with its own Redis',
          () => {
            if (kiln.child.exitCode !== null) throw new Error(`Kiln exited:\n${kiln.output()}`);
            return /listening on/.test(kiln.output())
              ? (/Redis: redis:\/\/127\.0\.0\.1:(\d+), a redis-server Kiln started/.exec(
                  kiln.output(),
                ) ?? undefined)
              : undefined;
          },
          60_000,
        );
        redisPort = Number(line[1]);
      }, 90_000);
      afterEach(async () => {
        if (kiln.child.exitCode === null) process.kill(-(kiln.child.pid as number), 'SIGKILL');
        await sendRedisCommand(redisPort, 'SHUTDOWN NOSAVE').catch(() => '');
      });

      it(`says which Redis it started, keeps every key under the prefix, and is gone within 5 s of ${signal}, its Redis stopped last with the data saved`, async () => {
        const baseUrl = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(
          kiln.output(),
        )?.[1] as string;
        expect(kiln.output()).toContain(
          `and nothing answers at redis://127.0.0.1:1; data in ${join(dataDir, 'redis')}; it stops with Kiln; every key under "kiln:"`,
        );
        const user = await signUp(baseUrl, 'embedded');
        const { socket, events } = await connectRealtime(baseUrl, { token: user.token });
        const png = await sharp({
          create: { width: 32, height: 32, channels: 3, background: '#000' },
        })
          .png()
          .toBuffer();
        await request(baseUrl)
          .post('/uploads')
          .set('Authorization', `Bearer ${user.token}`)
          .attach('files', png, 'tiny.png')
          .expect(201);
        await waitFor('the task to succeed', () => events.some((e) => e.name === 'task.succeeded'));

        const redis = new Redis(`redis://127.0.0.1:${redisPort}`);
        const keys = await redis.keys('*');
        await redis.quit();
        expect(keys.length).toBeGreaterThan(5);
        expect(keys.filter((key) => !key.startsWith('kiln:'))).toEqual([]);

        // Idle, with a socket connected: what a developer has when they press Ctrl-C.
        const signalledAt = Date.now();
        process.kill(-(kiln.child.pid as number), signal);
        const code = await kiln.exited;
        socket.disconnect();

        expect(Date.now() - signalledAt).toBeLessThan(5000);
        expect(code).toBe(0);
        expect(kiln.output()).not.toMatch(/Unhandled error|ECONNREFUSED|Connection is closed/);
        await expect(sendRedisCommand(redisPort, 'PING')).rejects.toThrow('ECONNREFUSED');
        expect(appendOnlyFile(join(dataDir, 'redis'))).toContain(user.username);
      }, 90_000);
    },
  );
});
