import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import request from 'supertest';
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/contract';
export { tempEntries } from './temp-entries';
import { cleanUpTestRedis, connectTestRedis, testKeyPrefix } from './test-redis';

export const REPO_ROOT = resolve(__dirname, '../..');
/** Kept for specs that import it from here; it is `test/support/fixtures.ts`'s. */
export { FIXTURES } from './fixtures';

/** A Kiln process started from the build (`dist/main.js`), as `npm start` runs it. */
export interface RunningKiln {
  baseUrl: string;
  keyPrefix: string;
  dataDir: string;
  process: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the built app on a free port with its own key prefix and data dir, against the test
 * Redis. `stop()` sends SIGTERM, waits for the exit, then deletes its keys and files.
 */
export async function startKiln(env: Record<string, string> = {}): Promise<RunningKiln> {
  const keyPrefix = env.KILN_KEY_PREFIX ?? testKeyPrefix();
  const dataDir = env.KILN_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'kiln-e2e-'));
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/main.js')], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      REDIS_URL: process.env.REDIS_URL,
      PORT: '0',
      HOST: '127.0.0.1',
      KILN_KEY_PREFIX: keyPrefix,
      KILN_DATA_DIR: dataDir,
      KILN_SHUTDOWN_GRACE_MS: '10000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

  const exited = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code) => resolveExit(code)),
  );
  const role = env.KILN_ROLE ?? 'all';
  const readyPattern =
    role === 'worker'
      ? /processing tasks with concurrency/
      : /listening on (http:\/\/127\.0\.0\.1:\d+)/;
  const baseUrl = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Kiln did not start within 30 s:\n${output}`)),
      30_000,
    );
    const check = () => {
      const match = readyPattern.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1] ?? '');
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`Kiln exited with ${code} before it was ready:\n${output}`));
    });
  });

  return {
    baseUrl,
    keyPrefix,
    dataDir,
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        // The drain is bounded by KILN_SHUTDOWN_GRACE_MS; past that, something is stuck.
        const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(killer);
      }
      // Connected only now: a client opened at start would keep jest alive for processes that
      // are only ever signalled (workers sharing another process's keys).
      await cleanUpTestRedis(connectTestRedis().redis, keyPrefix);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestUser {
  username: string;
  token: string;
  sessionId: string;
}

let userCounter = 0;

/** Registers a fresh user and logs in: a new session. */
export async function signUp(baseUrl: string, name = 'user'): Promise<TestUser> {
  const username = `${name}${Date.now().toString(36)}${userCounter++}`;
  const password = 'correct horse battery';
  await request(baseUrl).post('/auth/register').send({ username, password }).expect(201);
  const login = await request(baseUrl).post('/auth/login').send({ username, password }).expect(200);
  return {
    username,
    token: login.body.accessToken as string,
    sessionId: login.body.sessionId as string,
  };
}

export type RealtimeClient = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A connected socket of the user's session, recording every event it receives in order. */
export async function connectRealtime(
  baseUrl: string,
  auth: { token?: string; lastEventId?: string },
): Promise<{
  socket: RealtimeClient;
  events: Array<{ name: string; payload: Record<string, unknown> }>;
}> {
  const socket: RealtimeClient = io(`${baseUrl}/realtime`, {
    auth,
    transports: ['websocket'],
    reconnection: false,
  });
  const events: Array<{ name: string; payload: Record<string, unknown> }> = [];
  socket.onAny((name: string, payload: Record<string, unknown>) => events.push({ name, payload }));
  await new Promise<void>((resolveConnect, reject) => {
    socket.once('connect', () => resolveConnect());
    socket.once('connect_error', (error) => reject(error));
  });
  return { socket, events };
}

/** Waits until `predicate` holds, polling; fails with `what` after the timeout. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
