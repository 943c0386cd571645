/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return --
   Plain JavaScript run by node without a compile step: values from JSON, IPC and sockets are
   untyped (`any`) to the type-aware rules, which are meant for the TypeScript sources. */
// Redis round trips per task: runs N small image tasks one after another through a built Kiln
// against a redis-server of its own (nothing else talks to it), records every command with
// MONITOR, and counts per task:
//  - requests: commands a client sent (MONITOR lines not from Lua), a MULTI…EXEC block as one;
//  - nested: commands run inside scripts (EVALSHA bodies, BullMQ's and Kiln's);
//  - by connection (CLIENT LIST names): Kiln's command connection vs BullMQ's.
// Also INFO commandstats over the same window (which counts nested commands too).
//
//   node bench/redis-round-trips.mjs [--tasks 20] [--main path/to/dist/main.js]
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { connectSocket, expectStatus, signUp, upload } from './lib/client.mjs';
import { redisCommandCalls, redisCommandDiff } from './lib/cpu.mjs';
import {
  DIST_MAIN,
  FIXTURES,
  freePort,
  freshPrefix,
  freshTempDir,
  sleep,
  withCleanup,
} from './lib/env.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : fallback;
};
const TASKS = Number(option('tasks', '20'));
const MAIN = option('main', DIST_MAIN);
const WARM_UP = 3;

async function ownRedis(work) {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { cwd: work, stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error('redis-server did not start');
      await sleep(100);
    } finally {
      probe.disconnect();
    }
  }
  return { url, stop: () => child.kill('SIGTERM') };
}

function startKiln(main, env) {
  const child = spawn(process.execPath, [main], {
    env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Kiln did not start:\n${output}`)), 30_000);
    const check = () => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      resolve({ baseUrl: match[1], stop: () => child.kill('SIGTERM'), output: () => output });
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => reject(new Error(`Kiln exited with ${code}:\n${output}`)));
  });
}

async function runTask(kiln, user, socket, path) {
  const body = expectStatus(
    await upload(kiln.baseUrl, user.token, [{ path, filename: 'small.png' }]),
    201,
    'upload',
  );
  const { taskId } = body.assets[0];
  await socket.waitFor((e) => e.payload.taskId === taskId && e.name === 'task.succeeded', 30_000);
  return taskId;
}

/** Requests per connection name: a MULTI…EXEC block counts once. */
function countRequests(lines, names) {
  const perClient = new Map();
  let nested = 0;
  for (const { args: command, source } of lines) {
    if (source === 'lua') {
      nested++;
      continue;
    }
    const entry = perClient.get(source) ?? { inMulti: false, requests: 0, commands: {} };
    perClient.set(source, entry);
    const name = String(command[0]).toLowerCase();
    if (name === 'multi') {
      entry.inMulti = true;
      entry.requests++;
      entry.commands.multi = (entry.commands.multi ?? 0) + 1;
      continue;
    }
    if (entry.inMulti) {
      if (name === 'exec') entry.inMulti = false;
      continue;
    }
    entry.requests++;
    entry.commands[name] = (entry.commands[name] ?? 0) + 1;
  }
  const byName = {};
  for (const [source, entry] of perClient) {
    const name = names.get(source) ?? `unnamed ${source}`;
    const into = (byName[name] ??= { requests: 0, commands: {} });
    into.requests += entry.requests;
    for (const [command, n] of Object.entries(entry.commands))
      into.commands[command] = (into.commands[command] ?? 0) + n;
  }
  return { byName, nested };
}

await withCleanup(async (onCleanup) => {
  const work = freshTempDir('round-trips');
  onCleanup(() => rmSync(work, { recursive: true, force: true }));
  const redis = await ownRedis(work);
  onCleanup(() => redis.stop());
  const kiln = await startKiln(MAIN, {
    REDIS_URL: redis.url,
    KILN_KEY_PREFIX: freshPrefix('rt'),
    KILN_DATA_DIR: join(work, 'data'),
  });
  onCleanup(() => kiln.stop());
  const image = join(FIXTURES, 'image', 'CesiumLogoFlat.png');
  const user = await signUp(kiln.baseUrl, 'rt');
  const socket = await connectSocket(kiln.baseUrl, user.token);
  onCleanup(() => socket.close());
  for (let i = 0; i < WARM_UP; i++) await runTask(kiln, user, socket, image);

  const admin = new Redis(redis.url);
  onCleanup(() => admin.disconnect());
  const monitor = await admin.monitor();
  const lines = [];
  monitor.on('monitor', (_time, command, source) => lines.push({ args: command, source }));
  await sleep(200);
  const statsBefore = await redisCommandCalls(admin);
  const startedAt = lines.length;
  for (let i = 0; i < TASKS; i++) await runTask(kiln, user, socket, image);
  await sleep(300); // the last job's completion bookkeeping
  const window = lines.slice(startedAt);
  const statsAfter = await redisCommandCalls(admin);
  monitor.disconnect();

  const names = new Map();
  for (const line of (await admin.client('LIST')).split('\n')) {
    const addr = /addr=(\S+)/.exec(line)?.[1];
    const name = /name=(\S*)/.exec(line)?.[1];
    if (addr) names.set(addr, name || 'unnamed');
  }
  const { byName, nested } = countRequests(window, names);
  const per = (n) => Math.round((n / TASKS) * 10) / 10;
  const stats = redisCommandDiff(statsBefore, statsAfter);
  const monitorOwn = window.filter((l) => /^(info|client)$/i.test(String(l.args[0]))).length;
  console.log(`${MAIN}: ${TASKS} tasks, one after another`);
  let requests = 0;
  for (const [name, { requests: n, commands }] of Object.entries(byName).sort()) {
    requests += n;
    const top = Object.entries(commands)
      .sort((a, b) => b[1] - a[1])
      .map(([c, k]) => `${c} ${per(k)}`)
      .join(', ');
    console.log(`  ${name}: ${per(n)} requests/task (${top})`);
  }
  console.log(`  all clients: ${per(requests - monitorOwn)} requests/task`);
  console.log(`  inside scripts: ${per(nested)} commands/task`);
  console.log(`  INFO commandstats: ${per(stats.total)} commands/task`);
  console.log(
    `  by command: ${Object.entries(stats.byCommand)
      .sort((a, b) => b[1] - a[1])
      .map(([c, k]) => `${c} ${per(k)}`)
      .join(', ')}`,
  );
});
process.exit(0);
