/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return --
   Plain JavaScript run by node without a compile step: values from JSON, IPC and sockets are
   untyped (`any`) to the type-aware rules, which are meant for the TypeScript sources. */
// bench/realtime: Kiln's task and event path under load, against raw BullMQ, a bare Socket.IO
// server and the seed's stack, in one run on one machine (issue 14, "Benchmark").
//
//   node bench/realtime/realtime.mjs [--sessions 10,100,1000] [--tasks 1000] [--k 50]
//     [--modes split,all] [--baselines raw,bare,seed] [--paced 1000] [--rate 2000]
//     [--seed-sessions 10,100] [--concurrency 4] [--cpu-prof dir] [--out name] [--stalls dir]
//
// --stalls dir: for the paced phase, writes dir/<mode>.json: every event slower than 5 ms (its
// `at` and receipt), and the event-loop stalls and GC pauses of each Kiln process and of the load
// generator (lib/stall-probe.mjs), to find which process a slow event waited on.
//
// A phase: S sessions (one socket each, websocket transport) submit `tasks` tasks in all
// (T = tasks / S each, round-robin, 16 requests in flight as the seed's load generator does) of
// Kiln's bench step with K progress ticks (KILN_BENCH_STEPS=1, KILN_PROGRESS_HZ=0: every tick is
// an event). Measured from the first request to the last `task.succeeded`: tasks/s, delivered
// events/s (progress + end, K+1 a task, as the seed counts; all events too), event latency (the
// event's `at`, when the step reported the tick, → receipt), request → `task.succeeded`, CPU ms a
// task of Kiln's processes and Redis, and the audit (wrong session, missing, duplicated, out of
// order: all must be 0). The paced phase: `--paced` tasks of K ticks spread over 80 ms each,
// submitted at rate/K tasks/s across 1000 sessions (2,000 events/s).
import { fork, spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import { io } from 'socket.io-client';
import {
  buildInfo,
  freePort,
  freshPrefix,
  freshTempDir,
  FIXTURES,
  machine,
  sleep,
  withCleanup,
  writeResult,
  assertBuilt,
} from '../lib/env.mjs';
import { startKiln } from '../lib/kiln.mjs';
import { call, expectStatus, mapLimit, upload } from '../lib/client.mjs';
import {
  cpuSnapshot,
  cpuDiff,
  cpuWindow,
  redisCommandCalls,
  redisCommandDiff,
  redisPid,
} from '../lib/cpu.mjs';
import { EventAudit, nowMs } from './event-audit.mjs';
import { startStallProbe } from '../lib/stall-probe.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const SEED_RUN = process.env.SEED_STACK_RUN ?? join(HERE, '../../../shared/seed-stack/run.sh');

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => {
    if (arg.startsWith('--')) pairs.push([arg.slice(2), all[i + 1]]);
    return pairs;
  }, []),
);
const list = (value, fallback) => (value ?? fallback).split(',').filter(Boolean);
const SESSIONS = list(args.sessions, '10,100,1000').map(Number);
const TASKS = Number(args.tasks ?? 1000);
const K = Number(args.k ?? 50);
const MODES = list(args.modes, 'split,all');
const BASELINES = list(args.baselines, 'raw,bare,seed');
const PACED = Number(args.paced ?? 1000);
const RATE = Number(args.rate ?? 2000);
const SEED_SESSIONS = list(args['seed-sessions'], '10,100').map(Number);
const CONCURRENCY = Number(args.concurrency ?? 4);
const CPU_PROF = args['cpu-prof'];
/** Extra node flags for every Kiln process, e.g. `--trace-gc` (with --stalls, logged beside). */
const KILN_NODE_ARGS = list(args['kiln-node-args'], '').flatMap((a) => a.split(' '));
const STALLS = args.stalls && resolve(args.stalls);
const STALL_PROBE = fileURLToPath(new URL('../lib/stall-probe.mjs', import.meta.url));
/** Another build's dist/main.js, run as mode `split-base` / `all-base` (an A/B in one run). */
const BASE_MAIN = args['base-main'];
const MAX_SESSIONS = Math.max(...SESSIONS, PACED > 0 ? 1000 : 0);
const IN_FLIGHT = 16;
const LOGINS = 10;

const round = (x, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
function percentiles(values) {
  if (values.length === 0) return { n: 0 };
  const sorted = Float64Array.from(values).sort();
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return {
    n: sorted.length,
    p50: round(at(50), 2),
    p95: round(at(95), 2),
    p99: round(at(99), 2),
    max: round(sorted[sorted.length - 1], 2),
  };
}

async function startRedis(addCleanup) {
  const port = await freePort();
  const dir = freshTempDir('redis');
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { cwd: dir, stdio: 'ignore' },
  );
  addCleanup(() => child.kill('SIGTERM'));
  const url = `redis://127.0.0.1:${port}`;
  let client;
  for (let i = 0; ; i++) {
    client = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      break;
    } catch {
      client.disconnect();
      if (i > 50) throw new Error('redis-server did not start');
      await sleep(100);
    }
  }
  addCleanup(() => client.quit());
  return { url, client, pid: await redisPid(client) };
}

function connect(url, auth) {
  const socket = io(`${url}/realtime`, {
    auth,
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket connect timed out')), 30_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Submits `total` task requests, task n for session n % S: 16 in flight, or paced at `perSec`. */
async function submitAll(total, submitOne, perSec) {
  if (!perSec) {
    await mapLimit(
      Array.from({ length: total }, (_, n) => n),
      IN_FLIGHT,
      submitOne,
    );
    return;
  }
  const t0 = nowMs();
  const pending = [];
  for (let n = 0; n < total; n++) {
    const ahead = t0 + (n / perSec) * 1000 - nowMs();
    if (ahead > 0) await sleep(ahead);
    pending.push(submitOne(n));
  }
  await Promise.all(pending);
}

/** One phase against Kiln: S sockets, S × T bench tasks, audited. */
async function kilnPhase(kiln, setup, { sessions, tasks, k, ms = 0, perSec, label, slowMs }) {
  const sockets = await mapLimit(setup.sessions.slice(0, sessions), 50, (s) =>
    connect(kiln.url, { token: s.token }),
  );
  const audit = new EventAudit(k, tasks, slowMs);
  const stopProbe = slowMs !== undefined ? startStallProbe() : undefined;
  const phaseStart = Date.now();
  sockets.forEach((socket, i) => audit.attach(socket, i));
  const cpu = cpuWindow(kiln.pids);
  const bench0 = process.cpuUsage();
  const commands0 = await redisCommandCalls(setup.redis);
  await submitAll(
    tasks,
    async (n) => {
      const session = n % sessions;
      const submittedAt = nowMs();
      const response = await call(kiln.url, 'POST', `/assets/${setup.assetId}/tasks`, {
        token: setup.sessions[session].token,
        json: { type: 'bench', options: { events: k, ms } },
      });
      audit.submitted(expectStatus(response, 201, 'bench task').taskId, session, submittedAt);
    },
    perSec,
  );
  const outcome = await audit.settle(300_000);
  if (stopProbe)
    kiln.stalls = { from: phaseStart, to: Date.now(), loadgen: stopProbe(), slow: audit.slow };
  const used = cpu();
  const benchCpu = process.cpuUsage(bench0);
  const commands = redisCommandDiff(commands0, await redisCommandCalls(setup.redis));
  for (const socket of sockets) socket.close();
  return report(label, audit, outcome, {
    sessions,
    tasks,
    k,
    redisCommandsPerTask: round(commands.total / tasks, 1),
    redisCommandsPerTaskByName: Object.fromEntries(
      Object.entries(commands.byCommand).map(([name, n]) => [name, round(n / tasks, 2)]),
    ),
    cpuMsPerTask: Object.fromEntries(
      Object.entries(used.used).map(([name, c]) => [name, round(c.total / tasks, 2)]),
    ),
    loadgenCpuMsPerTask: round((benchCpu.user + benchCpu.system) / 1000 / tasks, 2),
    foreignCpuPct: round(used.foreignPct),
  });
}

function report(label, audit, outcome, extra) {
  const checks = audit.audit();
  const wallMs = audit.lastSucceededAt - audit.firstAt;
  const comparable = audit.latencies.length; // progress + end events, as the seed counts
  return {
    label,
    outcome,
    ...extra,
    wallMs: round(wallMs),
    tasksPerSec: round(audit.succeeded / (wallMs / 1000)),
    eventsPerSec: Math.round(comparable / (wallMs / 1000)),
    allEventsPerSec: Math.round(audit.delivered / (wallMs / 1000)),
    delivered: audit.delivered,
    latencyMs: percentiles(audit.latencies),
    requestToEndMs: percentiles(checks.requestToEndMs),
    audit: { ...checks, requestToEndMs: undefined },
  };
}

/** Kiln as api + worker processes (`split`) or one process (`all`), on a prefix kept between them. */
async function startKilnMode(mode, shared, addCleanup) {
  const env = {
    KILN_BENCH_STEPS: '1',
    KILN_PROGRESS_HZ: '0',
    KILN_WORKER_CONCURRENCY: String(CONCURRENCY),
    KILN_STREAM_MAX_EVENTS: '10000',
  };
  const common = {
    redisUrl: shared.redis.url,
    keyPrefix: shared.prefix,
    dataDir: shared.dataDir,
    ...(mode.endsWith('-base') ? { main: BASE_MAIN } : {}),
  };
  const nodeArgs = (name) => [
    ...(CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', join(CPU_PROF, name)] : []),
    ...(STALLS ? ['--import', pathToFileURL(STALL_PROBE).href] : []),
    ...KILN_NODE_ARGS,
  ];
  /** One Kiln process of `role`; with --stalls, its probe file and its output beside. */
  const start = (role) =>
    startKiln({
      ...common,
      role,
      env: STALLS
        ? { ...env, BENCH_STALL_FILE: join(STALLS, `${mode}-${role}.process.json`) }
        : env,
      nodeArgs: nodeArgs(role),
      ...(STALLS ? { logFile: join(STALLS, `${mode}-${role}.log`) } : {}),
    });
  const processes = mode.startsWith('split')
    ? [await start('api'), await start('worker')]
    : [await start('all')];
  const stop = () => Promise.all(processes.map((p) => p.stop()));
  addCleanup(stop);
  return {
    url: processes[0].baseUrl,
    pids: {
      ...Object.fromEntries(processes.map((p) => [p.role, p.pid])),
      redis: shared.redis.pid,
    },
    stop,
  };
}

/**
 * One user, `count` sessions, one small image asset whose own task has ended. The first
 * LOGINS sessions come from `POST /auth/login`; the others are made the way login makes them
 * (the session record in Redis, an HS256 token with the same claims, signed with the data dir's
 * secret) without its scrypt check, which costs ~0.1–0.4 s of CPU a login here: 1000 logins
 * would take minutes of the run. Kiln checks these tokens and sessions like any other.
 */
async function setUpSessions(url, count, shared) {
  const username = `rt${Date.now().toString(36)}`;
  const password = 'correct horse battery staple';
  expectStatus(
    await call(url, 'POST', '/auth/register', { json: { username, password } }),
    201,
    'register',
  );
  const logins = Math.min(count, LOGINS);
  const sessions = await mapLimit(
    Array.from({ length: logins }, (_, i) => i),
    4,
    async () => {
      const login = expectStatus(
        await call(url, 'POST', '/auth/login', { json: { username, password } }),
        200,
        'login',
      );
      return { token: login.accessToken, sessionId: login.sessionId };
    },
  );
  const claims = JSON.parse(Buffer.from(sessions[0].token.split('.')[1], 'base64url').toString());
  const secret = readFileSync(join(shared.dataDir, 'jwt-secret'), 'utf8').trim();
  const record = await shared.redis.client.hgetall(`${shared.prefix}:session:${claims.sid}`);
  const ttl = claims.exp - claims.iat;
  for (let i = logins; i < count; i++) {
    const sid = randomUUID();
    const key = `${shared.prefix}:session:${sid}`;
    await shared.redis.client.multi().hset(key, record).expire(key, ttl).exec();
    sessions.push({ token: signHs256({ ...claims, sid }, secret), sessionId: sid });
  }
  const uploaded = expectStatus(
    await upload(url, sessions[0].token, [
      { path: join(FIXTURES, 'image/CesiumLogoFlat.png'), filename: 'CesiumLogoFlat.png' },
    ]),
    201,
    'upload',
  );
  const [{ id: assetId, taskId }] = uploaded.assets;
  for (let i = 0; ; i++) {
    const task = expectStatus(
      await call(url, 'GET', `/tasks/${taskId}`, { token: sessions[0].token }),
      200,
      'task',
    );
    if (task.state === 'succeeded') break;
    if (i > 600) throw new Error(`the asset's task did not end: ${JSON.stringify(task)}`);
    await sleep(50);
  }
  return { sessions, assetId, redis: shared.redis.client };
}

function signHs256(claims, secret) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

async function kilnRuns(mode, shared, addCleanup, results) {
  console.error(`Kiln ${mode}`);
  const kiln = await startKilnMode(mode, shared, addCleanup);
  shared.setup ??= await setUpSessions(kiln.url, MAX_SESSIONS, shared);
  await kilnPhase(kiln, shared.setup, { sessions: 10, tasks: 50, k: K, label: 'warm-up' });
  for (const sessions of SESSIONS) {
    const result = await kilnPhase(kiln, shared.setup, {
      sessions,
      tasks: Math.max(sessions, TASKS),
      k: K,
      label: `kiln-${mode} S${sessions}`,
    });
    results.push({ system: `kiln-${mode}`, ...result });
    console.error(`  ${summaryLine(result)}`);
  }
  if (PACED > 0) {
    const result = await kilnPhase(kiln, shared.setup, {
      sessions: 1000,
      tasks: PACED,
      k: K,
      ms: 80,
      perSec: RATE / K,
      label: `kiln-${mode} paced ${RATE}/s S1000`,
      ...(STALLS ? { slowMs: 5 } : {}),
    });
    results.push({ system: `kiln-${mode}`, paced: RATE, ...result });
    console.error(`  ${summaryLine(result)}`);
  }
  await kiln.stop();
  if (STALLS) writeStalls(mode, kiln.stalls);
}

/** dir/<mode>.json: the paced phase's slow events with each process's stalls and GCs. */
function writeStalls(mode, phase) {
  if (!phase) return;
  const processes = { loadgen: phase.loadgen };
  for (const role of ['api', 'worker', 'all']) {
    const file = join(STALLS, `${mode}-${role}.process.json`);
    if (existsSync(file)) processes[role] = JSON.parse(readFileSync(file, 'utf8'));
  }
  const inPhase = (r) => r.at >= phase.from && r.at <= phase.to;
  for (const p of Object.values(processes)) {
    p.stalls = p.stalls.filter(inPhase);
    p.gcs = p.gcs.filter(inPhase);
  }
  writeFileSync(
    join(STALLS, `${mode}.json`),
    JSON.stringify({ ...phase, loadgen: undefined, processes }),
  );
}

function forkChild(script, env) {
  const child = fork(join(HERE, script), [], { env: { ...process.env, ...env } });
  let nextId = 0;
  const pending = new Map();
  let onReady;
  const ready = new Promise((resolve) => (onReady = resolve));
  child.on('message', (message) => {
    if (message.ready) return onReady(message);
    pending.get(message.id)?.(message);
    pending.delete(message.id);
  });
  return {
    child,
    ready,
    ask(message) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, (answer) =>
          answer.error ? reject(new Error(answer.error)) : resolve(answer),
        );
        child.send({ id, ...message });
      });
    },
    stop() {
      if (child.connected) child.disconnect();
    },
  };
}

async function rawRuns(shared, addCleanup, results) {
  console.error('raw BullMQ');
  const raw = forkChild('raw-bullmq-progress.mjs', {
    REDIS_URL: shared.redis.url,
    BULL_PREFIX: `${shared.prefix}-raw`,
    CONCURRENCY: String(CONCURRENCY),
  });
  addCleanup(() => raw.stop());
  await raw.ready;
  await raw.ask({ sessions: 10, perSession: 5, k: K });
  for (const sessions of SESSIONS) {
    const tasks = Math.max(sessions, TASKS);
    const cpu0 = cpuSnapshot({ raw: raw.child.pid, redis: shared.redis.pid });
    const answer = await raw.ask({ sessions, perSession: tasks / sessions, k: K });
    const used = cpuDiff(cpu0, cpuSnapshot({ raw: raw.child.pid, redis: shared.redis.pid }));
    const result = {
      system: 'raw-bullmq',
      label: `raw-bullmq S${sessions}`,
      sessions,
      tasks,
      k: K,
      wallMs: round(answer.ms),
      tasksPerSec: round(answer.tasksPerSec),
      requestToEndMs: percentiles(answer.doneMs),
      cpuMsPerTask: Object.fromEntries(
        Object.entries(used).map(([name, c]) => [name, round(c.total / tasks, 2)]),
      ),
    };
    results.push(result);
    console.error(`  ${summaryLine(result)}`);
  }
  raw.stop();
}

async function bareRuns(addCleanup, results) {
  console.error('bare Socket.IO');
  const bare = forkChild('bare-socketio.mjs', {});
  addCleanup(() => bare.stop());
  const { url } = await bare.ready;
  const phase = async ({ sessions, tasks, rate, label }) => {
    const sids = Array.from({ length: sessions }, (_, i) => `s${i}-${Math.random()}`);
    const sockets = await mapLimit(sids, 50, (sid) => connect(url, { sid }));
    const audit = new EventAudit(K, tasks);
    sockets.forEach((socket, i) => audit.attach(socket, i));
    const cpu0 = cpuSnapshot({ bare: bare.child.pid });
    const t0 = nowMs();
    const answer = await bare.ask({ sids, perSession: tasks / sessions, k: K, rate });
    // The server names its tasks `${run}-${n}`: session n % S.
    const runPrefix = `b${bare.runs ?? 0}`;
    bare.runs = (bare.runs ?? 0) + 1;
    for (let n = 0; n < tasks; n++) audit.submitted(`${runPrefix}-${n}`, n % sessions, t0);
    const outcome = await audit.settle(120_000);
    const used = cpuDiff(cpu0, cpuSnapshot({ bare: bare.child.pid }));
    for (const socket of sockets) socket.close();
    const result = report(label, audit, outcome, {
      sessions,
      tasks,
      k: K,
      emitMs: round(answer.emitMs),
      cpuMsPerTask: { bare: round(used.bare.total / tasks, 2) },
    });
    delete result.requestToEndMs;
    return { system: 'bare-socketio', ...result, ...(rate ? { paced: rate } : {}) };
  };
  await phase({ sessions: 10, tasks: 50, label: 'warm-up' });
  for (const sessions of SESSIONS) {
    const result = await phase({
      sessions,
      tasks: Math.max(sessions, TASKS),
      label: `bare-socketio S${sessions}`,
    });
    results.push(result);
    console.error(`  ${summaryLine(result)}`);
  }
  if (PACED > 0) {
    const result = await phase({
      sessions: 1000,
      tasks: PACED,
      rate: RATE,
      label: `bare-socketio paced ${RATE}/s S1000`,
    });
    results.push(result);
    console.error(`  ${summaryLine(result)}`);
  }
  bare.stop();
}

async function seedRuns(results) {
  console.error('seed stack');
  for (const sessions of SEED_SESSIONS) {
    const tasks = Math.max(sessions, TASKS);
    const line = await new Promise((resolve) => {
      const child = spawn(SEED_RUN, [String(sessions), String(tasks / sessions), String(K)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk) => (out += chunk));
      child.stderr.on('data', (chunk) => (err += chunk));
      child.on('exit', (code) => resolve({ code, out, err }));
      // Not there (no ../shared beside the clone): skipped with a note, as the README says.
      child.on('error', (error) => resolve({ code: error.code, out: '', err: error.message }));
    });
    const json = line.out.trim().split('\n').pop();
    let seed;
    try {
      seed = JSON.parse(json);
    } catch {
      results.push({ system: 'seed', sessions, error: `${line.code}: ${line.err.slice(-500)}` });
      console.error(`  seed S${sessions} did not run: ${line.err.slice(-300)}`);
      continue;
    }
    const result = {
      system: 'seed',
      label: `seed S${sessions}`,
      outcome: seed.outcome,
      sessions,
      tasks,
      k: K,
      wallMs: round(seed.wall_s * 1000),
      tasksPerSec: round(seed.tasks_per_s),
      eventsPerSec: seed.events_per_s,
      latencyMs: seed.ev_lat_ms,
      requestToEndMs: seed.done_lat_ms,
      audit: seed.isolation,
      raw: seed,
    };
    results.push(result);
    console.error(`  ${summaryLine(result)}`);
  }
}

function summaryLine(r) {
  const lat = r.latencyMs
    ? ` p50/p95/p99 ${r.latencyMs.p50}/${r.latencyMs.p95}/${r.latencyMs.p99} ms`
    : '';
  const a = r.audit
    ? ` wrong ${r.audit.wrongSession ?? r.audit.leaked_events} missing ${r.audit.missing ?? r.audit.missing_progress} dup ${r.audit.duplicated ?? r.audit.dup_progress} order ${r.audit.outOfOrder ?? '-'}`
    : '';
  const cpu = r.cpuMsPerTask ? ` cpu/task ${JSON.stringify(r.cpuMsPerTask)}` : '';
  const cmds = r.redisCommandsPerTask ? ` redis cmds/task ${r.redisCommandsPerTask}` : '';
  return `${r.label}: ${r.tasksPerSec} tasks/s, ${r.eventsPerSec ?? '-'} ev/s${lat}${a}${cpu}${cmds}${r.foreignCpuPct !== undefined ? ` foreign ${r.foreignCpuPct}%` : ''}`;
}

assertBuilt();
await withCleanup(async (addCleanup) => {
  const startedAt = new Date().toISOString();
  const redis = await startRedis(addCleanup);
  const shared = {
    redis,
    prefix: freshPrefix('rt'),
    dataDir: freshTempDir('rt'),
  };
  const results = [];
  if (STALLS) mkdirSync(STALLS, { recursive: true });
  for (const mode of MODES) await kilnRuns(mode, shared, addCleanup, results);
  if (BASELINES.includes('raw')) await rawRuns(shared, addCleanup, results);
  if (BASELINES.includes('bare')) await bareRuns(addCleanup, results);
  if (BASELINES.includes('seed')) await seedRuns(results);
  const path = writeResult(args.out ?? 'realtime', {
    bench: 'realtime',
    startedAt,
    endedAt: new Date().toISOString(),
    build: buildInfo(),
    machine: machine(),
    settings: {
      SESSIONS,
      TASKS,
      K,
      CONCURRENCY,
      PACED,
      RATE,
      IN_FLIGHT,
      kilnEnv: 'KILN_BENCH_STEPS=1 KILN_PROGRESS_HZ=0',
    },
    results,
  });
  console.error(`results: ${path}`);
});
