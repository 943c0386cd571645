/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return --
   Plain JavaScript run by node without a compile step: values from JSON, IPC and sockets are
   untyped (`any`) to the type-aware rules, which are meant for the TypeScript sources. */
// Issue 17's speed check: the same work with KILN_STORAGE=local and KILN_STORAGE=s3 (against a
// local s3rver in a process of its own, so its CPU is counted apart), interleaved:
// - a 4096² PNG (a fresh one each round, so nothing is already in the bucket or the worker's
//   cache) from POST /uploads to task.succeeded;
// - latency: small PNGs one after another, POST → task.succeeded each;
// - throughput, the figure issue 17 names: issue 11's small-image tasks/s with 10 and 100
//   concurrent sessions (lib/sessions.mjs, as bench/throughput.mjs runs it: the same image
//   uploaded again and again, so after the first task every object is already in the bucket;
//   --distinct: a fresh 256² PNG for every upload, so every task writes its upload and outputs).
//
//   node bench/s3-storage.mjs [--rounds 5] [--small 20] [--sessions 10,100] [--tasks 200]
//                             [--tput-rounds 3] [--distinct] [--base-main other/dist/main.js]
//                             [--trace dir] [--cpu-prof dir] [--logs dir]
//
// --rounds 0, --small 0 or --sessions 0 leave that part out (e.g. to profile one part alone).
// --base-main: a third store, s3 on another build (an A/B of two builds in one run).
// --trace: each S3 command as Kiln's SDK sees it (lib/s3-trace.mjs) and each request as s3rver
//          serves it (lib/s3rver-process.mjs), as JSON lines in dir, with a summary per command.
// --logs: each store's Kiln output (its log lines, a crash's stack) in dir/<store>.log.
// --cpu-prof: node --cpu-prof for every Kiln process, profiles in dir/<store>/ (one a thread; the
//             main thread's is the largest).
import { fork } from 'node:child_process';
import http from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Redis from 'ioredis';
import { connectSocket, expectStatus, signUp, upload } from './lib/client.mjs';
import { cpuWindow, redisPid } from './lib/cpu.mjs';
import {
  argValue,
  assertBuilt,
  deleteKeys,
  freshPrefix,
  freshTempDir,
  locateRedis,
  withCleanup,
} from './lib/env.mjs';
import { generatePng } from './lib/image-work.mjs';
import { startKiln } from './lib/kiln.mjs';
import { auditEvents, auditLine, runSessions, smallImage, startSessions } from './lib/sessions.mjs';
import { fmt, median, summarize as spread, table } from './lib/stats.mjs';

const ROUNDS = Number(argValue('--rounds') ?? 5);
const SMALL = Number(argValue('--small') ?? 20);
const SESSION_COUNTS = (argValue('--sessions') ?? '10,100')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const TASKS_PER_PHASE = Number(argValue('--tasks') ?? 200);
const TPUT_ROUNDS = Number(argValue('--tput-rounds') ?? 3);
const DISTINCT = process.argv.includes('--distinct');
const PHASE_TIMEOUT_MS = 180_000;
const BASE_MAIN = argValue('--base-main');
const TRACE_DIR = argValue('--trace');
const CPU_PROF_DIR = argValue('--cpu-prof');
const LOG_DIR = argValue('--logs');
const TARGET_RATIO = 1.3;
const S3RVER = fileURLToPath(new URL('./lib/s3rver-process.mjs', import.meta.url));
const S3_TRACE = fileURLToPath(new URL('./lib/s3-trace.mjs', import.meta.url));

/** Forks s3rver; answers its port, pid and a stop function. */
async function startS3rver(directory, traceFile) {
  const child = fork(S3RVER, [], {
    env: {
      PATH: process.env.PATH,
      S3RVER_DIR: directory,
      S3RVER_BUCKET: 'bench',
      ...(traceFile ? { S3RVER_TRACE: traceFile } : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error('s3rver did not start within 10 s')), 10_000);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolvePort(message.port);
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
  });
  const exited = new Promise((done) => child.once('exit', done));
  return {
    port,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null) return;
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function readLines(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** Per kind of request in a trace: count, median and total ms. */
function summarize(lines, kindOf) {
  const kinds = new Map();
  for (const line of lines) {
    const kind = kindOf(line);
    if (!kinds.has(kind)) kinds.set(kind, []);
    kinds.get(kind).push(line.ms);
  }
  return [...kinds].map(([kind, ms]) => [
    kind,
    String(ms.length),
    fmt(median(ms), 1),
    fmt(Math.max(...ms), 1),
    fmt(
      ms.reduce((a, b) => a + b, 0),
      0,
    ),
  ]);
}

assertBuilt();
await withCleanup(async (onCleanup) => {
  const redis = await locateRedis();
  if (redis.stop) onCleanup(() => redis.stop());
  const work = freshTempDir('s3-storage');
  onCleanup(() => rmSync(work, { recursive: true, force: true }));
  if (TRACE_DIR) mkdirSync(TRACE_DIR, { recursive: true });
  if (CPU_PROF_DIR) mkdirSync(CPU_PROF_DIR, { recursive: true });
  if (LOG_DIR) mkdirSync(LOG_DIR, { recursive: true });
  const traceFile = (name) => (TRACE_DIR ? resolve(TRACE_DIR, `${name}.jsonl`) : undefined);
  for (const name of ['s3rver', 's3', 's3-base']) rmSync(traceFile(name) ?? '', { force: true });

  const s3dir = mkdtempSync(join(tmpdir(), 'kiln-bench-s3rver-'));
  onCleanup(() => rmSync(s3dir, { recursive: true, force: true }));
  const server = await startS3rver(s3dir, traceFile('s3rver'));
  onCleanup(() => server.stop());
  const s3env = {
    KILN_STORAGE: 's3',
    S3_ENDPOINT: `http://127.0.0.1:${server.port}`,
    S3_BUCKET: 'bench',
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
    S3_FORCE_PATH_STYLE: '1',
  };

  const stores = {};
  /** @type {Array<{ name: string; env: Record<string, string>; main?: string }>} */
  const setups = [
    { name: 'local', env: {} },
    { name: 's3', env: s3env },
    ...(BASE_MAIN ? [{ name: 's3-base', env: s3env, main: resolve(BASE_MAIN) }] : []),
  ];
  for (const { name, env, main } of setups) {
    const keyPrefix = freshPrefix(`s3b-${name}`);
    onCleanup(async () => void (await deleteKeys(redis.url, keyPrefix)));
    const trace = name === 'local' ? undefined : traceFile(name);
    const kiln = await startKiln({
      redisUrl: redis.url,
      keyPrefix,
      dataDir: join(work, name),
      env: { ...env, ...(trace ? { S3_TRACE_FILE: trace } : {}) },
      nodeArgs: [
        ...(trace ? ['--import', pathToFileURL(S3_TRACE).href] : []),
        // A folder per store, names left to node: with one --cpu-prof-name, every thread (the
        // processing pool's too) wrote the same file and the last one to exit was kept.
        ...(CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', resolve(CPU_PROF_DIR, name)] : []),
      ],
      ...(main ? { main } : {}),
      ...(LOG_DIR ? { logFile: resolve(LOG_DIR, `${name}.log`) } : {}),
    });
    onCleanup(() => kiln.stop());
    const user = await signUp(kiln.baseUrl, name);
    const socket = await connectSocket(kiln.baseUrl, user.token);
    onCleanup(() => socket.close());
    stores[name] = { kiln, user, socket, large: [], small: [], cpuMs: { large: 0, small: 0 } };
  }
  const maxSessions = Math.max(0, ...SESSION_COUNTS);
  if (maxSessions > 0) {
    console.log(`signing up ${maxSessions} users a store (scrypt) and connecting their sockets…`);
    for (const name of Object.keys(stores))
      stores[name].sessions = await startSessions(
        stores[name].kiln.baseUrl,
        maxSessions,
        `s3t${name.replace('-', '')}`,
        onCleanup,
      );
  }
  const fixedImage = maxSessions > 0 ? await smallImage(work) : undefined;

  const redisClient = new Redis(redis.url);
  const pids = {
    bench: process.pid,
    s3rver: server.pid,
    redis: await redisPid(redisClient),
    ...Object.fromEntries(Object.entries(stores).map(([name, s]) => [`kiln-${name}`, s.kiln.pid])),
  };
  await redisClient.quit();

  // A connection per upload: a kept-alive one may be closed by Kiln's keep-alive timeout (5 s)
  // just as the next upload starts on it (socket hang up).
  const freshConnections = new http.Agent({ keepAlive: false });
  const run = async ({ kiln, user, socket }, path, filename) => {
    const t0 = performance.now();
    const response = await upload(kiln.baseUrl, user.token, [{ path, filename }], {
      agent: freshConnections,
    }).catch((error) => {
      throw new Error(
        `upload failed (${error.message}); Kiln said:\n${kiln.output().slice(-3000)}`,
      );
    });
    const { taskId } = expectStatus(response, 201, 'upload').assets[0];
    const done = await socket.waitFor(
      (e) =>
        e.payload?.taskId === taskId && (e.name === 'task.succeeded' || e.name === 'task.failed'),
      120_000,
    );
    if (done.name !== 'task.succeeded')
      throw new Error(`task failed: ${JSON.stringify(done.payload)}`);
    return performance.now() - t0;
  };

  // CPU of s3rver and the bench (client) during each store's timed runs, and foreign CPU.
  const phases = { large: [], small: [] };
  const timed = async (kind, name, body) => {
    const end = cpuWindow(pids);
    const ms = await body();
    const cpu = end();
    phases[kind].push({ name, foreignPct: cpu.foreignPct, s3rverMs: cpu.used.s3rver?.total ?? 0 });
    stores[name].cpuMs[kind] += cpu.used[`kiln-${name}`]?.total ?? 0;
    return { ms, cpu };
  };

  const names = Object.keys(stores);
  for (let round = 0; round < ROUNDS; round++) {
    // A fresh image per store and round: nothing is in the bucket or the cache already. The
    // order turns each round, so drift does not favour one store.
    const order = names.map((_, i) => names[(i + round) % names.length]);
    for (const name of order) {
      const image = await generatePng(join(work, `large-${name}-${round}.png`), 4096, {
        seed: 1000 + round * 3 + names.indexOf(name),
      });
      const { ms, cpu } = await timed('large', name, () =>
        run(stores[name], image.path, 'large.png'),
      );
      stores[name].large.push(ms);
      console.log(
        `round ${round + 1} ${name}: 4096² PNG ${fmt(ms)} ms; s3rver CPU ${fmt(cpu.used.s3rver?.total ?? 0)} ms; foreign CPU ${fmt(cpu.foreignPct)}%`,
      );
      rmSync(image.path, { force: true });
    }
  }
  for (let i = 0; i < SMALL; i++) {
    const order = names.map((_, k) => names[(k + i) % names.length]);
    for (const name of order) {
      const image = await generatePng(join(work, `small-${name}-${i}.png`), 256, {
        seed: 5000 + i * 3 + names.indexOf(name),
      });
      const { ms } = await timed('small', name, () => run(stores[name], image.path, 'small.png'));
      stores[name].small.push(ms);
    }
  }

  // Throughput: issue 11's phases, every store with the same sessions count and tasks, the order
  // of the stores turning each round. A warm-up phase first (JIT, connections, the first objects).
  const tput = [];
  let seed = 100_000;
  const imagesFor = async (count, per) => {
    if (!DISTINCT) return () => fixedImage.path;
    const paths = [];
    for (let i = 0; i < count * per; i++)
      paths.push((await generatePng(join(work, `tput-${seed}.png`), 256, { seed: seed++ })).path);
    return (session, i) => paths[session.index * per + i];
  };
  const runThroughput = async (name, count, per, round) => {
    const imageFor = await imagesFor(count, per);
    const end = cpuWindow(pids);
    const r = await runSessions({
      baseUrl: stores[name].kiln.baseUrl,
      sessions: stores[name].sessions,
      count,
      per,
      imageFor,
      timeoutMs: PHASE_TIMEOUT_MS,
    });
    const cpu = end();
    const phase = {
      round,
      name,
      sessions: count,
      tasks: r.tasks,
      tasksPerSec: r.tasksPerSec,
      kilnMsPerTask: (cpu.used[`kiln-${name}`]?.total ?? 0) / r.tasks,
      s3rverMsPerTask: (cpu.used.s3rver?.total ?? 0) / r.tasks,
      benchMsPerTask: (cpu.used.bench?.total ?? 0) / r.tasks,
      redisMsPerTask: (cpu.used.redis?.total ?? 0) / r.tasks,
      foreignPct: cpu.foreignPct,
      slotP50: median(r.slotMs),
      uploadP50: median(r.uploadMs),
    };
    if (round > 0) tput.push(phase);
    console.log(
      `${round === 0 ? 'warm-up' : `round ${round}`} ${`${name}-${count}`.padEnd(12)} ${r.tasks} tasks: ${fmt(r.tasksPerSec, 1)} tasks/s; ` +
        `CPU a task Kiln ${fmt(phase.kilnMsPerTask, 1)} ms, s3rver ${fmt(phase.s3rverMsPerTask, 1)} ms; ` +
        `upload p50 ${fmt(phase.uploadP50)} ms, slot p50 ${fmt(phase.slotP50)} ms; foreign CPU ${fmt(cpu.foreignPct)}%`,
    );
    if (DISTINCT)
      for (let i = 0; i < count * per; i++)
        rmSync(imageFor({ index: Math.floor(i / per) }, i % per), { force: true });
  };
  if (SESSION_COUNTS.length > 0) {
    for (const name of names) await runThroughput(name, 10, 2, 0);
    for (let round = 1; round <= TPUT_ROUNDS; round++) {
      for (const count of SESSION_COUNTS) {
        const per = Math.max(1, Math.round(TASKS_PER_PHASE / count));
        const order = names.map((_, i) => names[(i + round) % names.length]);
        for (const name of order) await runThroughput(name, count, per, round);
      }
    }
  }

  const rows = [];
  for (const kind of [ROUNDS > 0 ? 'large' : '', SMALL > 0 ? 'small' : ''].filter(Boolean)) {
    const local = median(stores.local[kind]);
    for (const name of names.filter((n) => n !== 'local')) {
      const s3 = median(stores[name][kind]);
      const ratio = s3 / local;
      // Paired: each run against the local run of the same round (the machine's speed drifts).
      const paired = stores[name][kind].map((ms, i) => ms / stores.local[kind][i]);
      rows.push([
        `${kind === 'large' ? `4096² PNG (n=${ROUNDS})` : `latency: 256² PNG one after another (n=${SMALL})`}, ${name}`,
        `${fmt(local)} ms`,
        `${fmt(s3)} ms`,
        `${fmt(ratio, 2)}× (paired ${fmt(median(paired), 2)}×)`,
        `≤ ${TARGET_RATIO}×`,
        ratio <= TARGET_RATIO ? 'yes' : '**no**',
      ]);
    }
  }
  if (rows.length > 0)
    console.log(
      table(
        ['POST → task.succeeded, median', 'local', 's3 (s3rver)', 'ratio', 'target', 'met'],
        rows,
      ),
    );
  if (tput.length > 0) {
    const tputRows = [];
    const cpuRows = [];
    for (const count of SESSION_COUNTS) {
      const of = (name) => tput.filter((p) => p.name === name && p.sessions === count);
      const local = spread(of('local').map((p) => p.tasksPerSec));
      for (const name of names) {
        const mine = of(name);
        const rate = spread(mine.map((p) => p.tasksPerSec));
        if (name !== 'local') {
          // A time ratio (local tasks/s ÷ s3 tasks/s), so ≤ 1.3× meets the target; paired: each
          // round's s3 phase against that round's local phase (the machine's speed drifts).
          const ratio = local.median / rate.median;
          const paired = mine.map(
            (p) => of('local').find((l) => l.round === p.round).tasksPerSec / p.tasksPerSec,
          );
          tputRows.push([
            `${count} sessions (${mine[0].tasks} tasks × ${TPUT_ROUNDS}), ${name}`,
            `${fmt(local.median, 1)} (${fmt(local.min, 1)}–${fmt(local.max, 1)})`,
            `${fmt(rate.median, 1)} (${fmt(rate.min, 1)}–${fmt(rate.max, 1)})`,
            `${fmt(ratio, 2)}× (paired ${fmt(median(paired), 2)}×)`,
            `≤ ${TARGET_RATIO}×`,
            ratio <= TARGET_RATIO ? 'yes' : '**no**',
          ]);
        }
        cpuRows.push([
          `${count} sessions, ${name}`,
          fmt(median(mine.map((p) => p.kilnMsPerTask)), 1),
          fmt(median(mine.map((p) => p.s3rverMsPerTask)), 1),
          fmt(median(mine.map((p) => p.redisMsPerTask)), 1),
          fmt(median(mine.map((p) => p.benchMsPerTask)), 1),
          fmt(median(mine.map((p) => p.slotP50))),
          `${fmt(median(mine.map((p) => p.foreignPct)))}% (max ${fmt(Math.max(...mine.map((p) => p.foreignPct)))}%)`,
        ]);
      }
    }
    console.log(
      `\nthroughput, ${DISTINCT ? 'a fresh 256² PNG every upload' : `the same ${fixedImage.width}×${fixedImage.height} PNG every upload`}:`,
    );
    console.log(
      table(
        ['tasks/s, median (min–max)', 'local', 's3 (s3rver)', 'time ratio', 'target', 'met'],
        tputRows,
      ),
    );
    console.log(
      `\n${table(
        [
          'throughput, a task (median)',
          'Kiln CPU ms',
          's3rver CPU ms',
          'Redis CPU ms',
          'bench CPU ms',
          'slot p50 ms',
          'foreign CPU',
        ],
        cpuRows,
      )}\n`,
    );
    for (const name of names)
      console.log(`${name}: ${auditLine(auditEvents(stores[name].sessions))}`);
  }
  const cpuRows = [];
  for (const kind of [ROUNDS > 0 ? 'large' : '', SMALL > 0 ? 'small' : ''].filter(Boolean)) {
    const n = kind === 'large' ? ROUNDS : SMALL;
    for (const name of names) {
      const mine = phases[kind].filter((p) => p.name === name);
      cpuRows.push([
        `${kind}, ${name}`,
        fmt(stores[name].cpuMs[kind] / n),
        fmt(mine.reduce((a, p) => a + p.s3rverMs, 0) / n),
        `${fmt(median(mine.map((p) => p.foreignPct)))}% (max ${fmt(Math.max(...mine.map((p) => p.foreignPct)))}%)`,
      ]);
    }
  }
  if (cpuRows.length > 0)
    console.log(table(['CPU a task', 'Kiln ms', 's3rver ms', 'foreign CPU, median'], cpuRows));
  if (TRACE_DIR) {
    for (const name of names.filter((n) => n !== 'local')) {
      console.log(`\nS3 commands as Kiln (${name}) sees them:`);
      console.log(
        table(
          ['command', 'n', 'median ms', 'max ms', 'total ms'],
          summarize(
            readLines(traceFile(name)),
            (l) => `${l.command}${l.status === 'ok' ? '' : ` (${l.status})`}`,
          ),
        ),
      );
    }
    console.log('\nRequests as s3rver serves them (all stores):');
    console.log(
      table(
        ['request', 'n', 'median ms', 'max ms', 'total ms'],
        summarize(readLines(traceFile('s3rver')), (l) => {
          const query = l.query.replace(/=[^&]*/g, '');
          return `${l.method} ${query ? `?${query} ` : ''}${l.status}${l.bytesIn > 1e6 ? ' (>1 MB)' : ''}`;
        }),
      ),
    );
  }
});
