/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return --
   Plain JavaScript run by node without a compile step: values from JSON, IPC and sockets are
   untyped (`any`) to the type-aware rules, which are meant for the TypeScript sources. */
// Bench 3: API latency (GET /tasks/:id, GET /health, GET /assets/:id) from 4 closed-loop callers
// while a background load of large-PNG uploads keeps the queue full and both cores busy, against
// the same API idle, in the same run; plus the event-loop delay of the API (and of the worker)
// from a probe preloaded into the Kiln process. Runs Kiln all-in-one, then API and worker roles
// as separate processes.
//
//   node bench/api-latency.mjs [--mode all,split] [--seconds 20] [--repeats 2]
//                              [--experiment jwt-keyobject]
//
// Modes: all (one process, the default deployment), split (KILN_ROLE=api + KILN_ROLE=worker),
// split-nice (the same, the worker started under `nice -n 10`). --experiment jwt-keyobject
// preloads bench/lib/experiments/jwt-keyobject.mjs into Kiln (see there): a measurement of a
// suggested fix, not the app as built.
import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import http from 'node:http';
import { call, connectSocket, expectStatus, signUp, upload } from './lib/client.mjs';
import Redis from 'ioredis';
import { cpuWindow, redisPid } from './lib/cpu.mjs';
import {
  argValue,
  assertBuilt,
  buildInfo,
  deleteKeys,
  FIXTURES,
  freshPrefix,
  freshTempDir,
  locateRedis,
  machine,
  sleep,
  withCleanup,
  writeResult,
} from './lib/env.mjs';
import { generatePng } from './lib/image-work.mjs';
import { eldFileIn, readEventLoopDelay, startKiln } from './lib/kiln.mjs';
import { fmt, latencySummary, table } from './lib/stats.mjs';

const MODES = (argValue('--mode') ?? 'all,split').split(',');
const EXPERIMENT = argValue('--experiment');
const EXPERIMENT_ARGS =
  EXPERIMENT === 'jwt-keyobject'
    ? ['--import', new URL('./lib/experiments/jwt-keyobject.mjs', import.meta.url).href]
    : [];
if (EXPERIMENT && EXPERIMENT_ARGS.length === 0) throw new Error(`unknown experiment ${EXPERIMENT}`);
const LOADED_SECONDS = Number(argValue('--seconds') ?? 20);
const IDLE_SECONDS = Math.max(4, Math.round(LOADED_SECONDS / 2));
const REPEATS = Number(argValue('--repeats') ?? 2);
const CALLERS = 4;
const TARGET_P99_MS = 50;

assertBuilt();
const buildAtStart = buildInfo();
let redisServerPid;
const benchStarted = Date.now();

const result = await withCleanup(async (onCleanup) => {
  const redis = await locateRedis();
  if (redis.stop) onCleanup(() => redis.stop());
  const work = freshTempDir('api-latency');
  onCleanup(() => rmSync(work, { recursive: true, force: true }));
  console.log('generating a 4096×4096 PNG for the background load…');
  const large = await generatePng(join(work, 'large.png'), 4096);
  const small = join(FIXTURES, 'image', 'CesiumLogoFlat.png');
  const smallPath = (await import('node:fs')).existsSync(small)
    ? small
    : (await generatePng(join(work, 'small.png'), 256)).path;

  const redisClient = new Redis(redis.url);
  redisServerPid = await redisPid(redisClient);
  await redisClient.quit();
  const runs = [];
  for (const mode of MODES) {
    runs.push(await runMode(mode, { redis, work, large, smallPath, onCleanup }));
  }
  return {
    bench: 'api-latency',
    date: new Date().toISOString(),
    machine: machine(),
    build: buildAtStart,
    distRebuiltDuringRun: buildInfo().distBuiltAt !== buildAtStart.distBuiltAt,
    redis: redis.source,
    experiment: EXPERIMENT ?? null,
    loadImage: { bytes: large.bytes, width: large.width, height: large.height },
    callers: CALLERS,
    loadedSeconds: LOADED_SECONDS,
    idleSeconds: IDLE_SECONDS,
    runs,
  };
});

async function runMode(mode, { redis, work, large, smallPath, onCleanup }) {
  const keyPrefix = freshPrefix(`lat-${mode}`);
  onCleanup(async () =>
    console.log(`deleted ${await deleteKeys(redis.url, keyPrefix)} keys under ${keyPrefix}:`),
  );
  const dataDir = join(work, `data-${mode}`);
  const processes = {};
  if (mode === 'all') {
    processes.all = await startKiln({
      redisUrl: redis.url,
      keyPrefix,
      dataDir,
      eldFile: eldFileIn(work, `${mode}-all`),
      nodeArgs: EXPERIMENT_ARGS,
    });
  } else if (mode === 'split' || mode === 'split-nice') {
    processes.api = await startKiln({
      redisUrl: redis.url,
      keyPrefix,
      dataDir,
      role: 'api',
      eldFile: eldFileIn(work, `${mode}-api`),
      nodeArgs: EXPERIMENT_ARGS,
    });
    processes.worker = await startKiln({
      redisUrl: redis.url,
      keyPrefix,
      dataDir,
      role: 'worker',
      eldFile: eldFileIn(work, `${mode}-worker`),
      nodeArgs: EXPERIMENT_ARGS,
      launcher: mode === 'split-nice' ? ['nice', '-n', '10'] : [],
    });
  } else {
    throw new Error(`unknown mode ${mode} (all, split or split-nice)`);
  }
  const memory = {};
  const stopAll = async () => {
    for (const [role, p] of Object.entries(processes)) memory[role] ??= await p.stop();
  };
  onCleanup(stopAll);
  const api = processes.all ?? processes.api;
  const baseUrl = api.baseUrl;
  console.log(
    `\n== ${{ all: 'all-in-one', split: 'API and worker in separate processes', 'split-nice': 'API and worker (nice 10) in separate processes' }[mode]}${EXPERIMENT ? ` [experiment ${EXPERIMENT}]` : ''}: ${Object.entries(
      processes,
    )
      .map(([r, p]) => `${r} pid ${p.pid}`)
      .join(', ')}`,
  );

  // The prober: one small image, done; its task and asset are what the callers read.
  const prober = await signUp(baseUrl, 'probe');
  const proberSocket = await connectSocket(baseUrl, prober.token);
  const uploaded = expectStatus(
    await upload(baseUrl, prober.token, [{ path: smallPath, filename: 'probe.png' }]),
    201,
    'upload',
  ).assets[0];
  await proberSocket.waitFor(
    (e) => e.name === 'task.succeeded' && e.payload.taskId === uploaded.taskId,
    60_000,
  );
  proberSocket.close();
  const endpoints = [
    { name: 'GET /tasks/:id', path: `/tasks/${uploaded.taskId}`, token: prober.token },
    { name: 'GET /health', path: '/health' },
    { name: 'GET /assets/:id', path: `/assets/${uploaded.id}`, token: prober.token },
  ];

  // The loader: keeps `lanes` large-PNG tasks in flight (uploaded, not finished): with
  // concurrency + 2 lanes, both worker threads are busy and the queue is never empty.
  const loaderUser = await signUp(baseUrl, 'load');
  const loaderSocket = await connectSocket(baseUrl, loaderUser.token);
  onCleanup(() => loaderSocket.close());
  const lanes = availableParallelism() + 2;
  const loaderAgent = new http.Agent({ keepAlive: true, maxSockets: lanes, timeout: 4000 });
  const startLoad = () => {
    const state = { stop: false, uploads: [], uploadErrors: 0, done: 0, failed: 0 };
    state.lanes = Array.from({ length: lanes }, async () => {
      const deadline = Date.now() + 10 * 60_000;
      while (!state.stop && Date.now() < deadline) {
        let response;
        try {
          response = await upload(
            baseUrl,
            loaderUser.token,
            [{ path: large.path, filename: 'load.png' }],
            { agent: loaderAgent },
          );
        } catch {
          state.uploadErrors++;
          await sleep(100);
          continue;
        }
        state.uploads.push(response.ms);
        const { taskId } = expectStatus(response, 201, 'load upload').assets[0];
        const end = await loaderSocket.waitFor(
          (e) =>
            e.payload?.taskId === taskId &&
            (e.name === 'task.succeeded' || e.name === 'task.failed'),
          5 * 60_000,
        );
        if (end.name === 'task.succeeded') state.done++;
        else state.failed++;
      }
    });
    return state;
  };

  // Idle keep-alive sockets are dropped after 4 s, before Node's server closes them (5 s).
  const callerAgent = new http.Agent({ keepAlive: true, maxSockets: CALLERS, timeout: 4000 });
  const clientEld = monitorEventLoopDelay({ resolution: 10 });
  clientEld.enable();

  const measure = async (label, seconds) => {
    for (const p of Object.values(processes)) p.memory.mark(label);
    for (const p of Object.values(processes)) await readEventLoopDelay(p, p.eldFile); // reset
    clientEld.reset();
    const pids = {
      ...Object.fromEntries(Object.entries(processes).map(([r, p]) => [r, p.pid])),
      client: process.pid,
      redis: redisServerPid,
    };
    const cpuEnd = cpuWindow(pids);
    const latencies = Object.fromEntries(endpoints.map((e) => [e.name, []]));
    let errors = 0;
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: CALLERS }, async (_, c) => {
        for (let i = c; performance.now() < end && i < 1_000_000; i++) {
          const endpoint = endpoints[i % endpoints.length];
          let response;
          try {
            response = await call(baseUrl, 'GET', endpoint.path, {
              token: endpoint.token,
              agent: callerAgent,
              timeoutMs: 10_000,
            });
          } catch {
            // e.g. a keep-alive socket the server closed as we reused it: counted, not timed
            errors++;
            continue;
          }
          if (response.status !== 200) errors++;
          latencies[endpoint.name].push(response.ms);
        }
      }),
    );
    const cpu = cpuEnd();
    const cpuUsed = cpu.used;
    const calls = Object.values(latencies).reduce((n, v) => n + v.length, 0);
    const eld = {};
    for (const [role, p] of Object.entries(processes))
      eld[role] = await readEventLoopDelay(p, p.eldFile);
    const ms = (ns) => Math.max(0, ns / 1e6 - 10);
    const phase = {
      label,
      seconds,
      errors,
      systemBusyPct: cpu.busyPct,
      foreignCpuPct: cpu.foreignPct,
      // CPU ms per second of the phase: main thread and the other threads of each process
      cpuMsPerSecond: Object.fromEntries(
        Object.entries(cpuUsed).map(([name, c]) => [
          name,
          { main: c.main / seconds, others: c.others / seconds },
        ]),
      ),
      apiMainThreadMsPerCall: cpuUsed[processes.all ? 'all' : 'api'].main / calls,
      latency: Object.fromEntries(
        Object.entries(latencies).map(([name, values]) => [name, latencySummary(values)]),
      ),
      allEndpoints: latencySummary(Object.values(latencies).flat()),
      eventLoopDelay: eld,
      clientEventLoopDelay: { p99Ms: ms(clientEld.percentile(99)), maxMs: ms(clientEld.max) },
    };
    const l = phase.latency;
    console.log(
      `${label.padEnd(9)} CPU ${fmt(cpu.busyPct)}% (foreign ${fmt(cpu.foreignPct)}%, API main thread ${fmt(phase.apiMainThreadMsPerCall, 2)} ms/call)  p99 ms: tasks ${fmt(l['GET /tasks/:id'].p99, 1)}, health ${fmt(l['GET /health'].p99, 1)}, ` +
        `assets ${fmt(l['GET /assets/:id'].p99, 1)} (p50 ${fmt(phase.allEndpoints.p50, 1)}, max ${fmt(phase.allEndpoints.max, 1)}, ${phase.allEndpoints.n} calls, ${errors} errors); ` +
        `event-loop delay p99 ${Object.entries(eld)
          .map(([r, e]) => `${r} ${fmt(e.p99Ms, 1)} ms (max ${fmt(e.maxMs, 1)})`)
          .join(', ')}; client p99 ${fmt(phase.clientEventLoopDelay.p99Ms, 1)} ms`,
    );
    return phase;
  };
  for (const p of Object.values(processes)) p.eldFile = eldFileIn(work, `${mode}-${p.role}`);

  const phases = [];
  const loads = [];
  for (let r = 1; r <= REPEATS; r++) {
    phases.push(await measure(`idle-${r}`, IDLE_SECONDS));
    const load = startLoad();
    // Wait until the load is on: both threads running a large PNG and more queued.
    const rampDeadline = Date.now() + 30_000;
    while (Date.now() < rampDeadline) {
      const started = loaderSocket.events.filter((e) => e.name === 'task.started').length;
      const finished = loaderSocket.events.filter(
        (e) => e.name === 'task.succeeded' || e.name === 'task.failed',
      ).length;
      if (started - finished >= availableParallelism() && load.uploads.length >= lanes) break;
      await sleep(100);
    }
    const doneBefore = load.done;
    const phase = await measure(`loaded-${r}`, LOADED_SECONDS);
    phase.load = {
      lanes,
      tasksFinished: load.done - doneBefore,
      uploadMs: latencySummary(load.uploads),
    };
    phases.push(phase);
    load.stop = true;
    await Promise.all(load.lanes);
    loads.push({ done: load.done, failed: load.failed, uploadErrors: load.uploadErrors });
  }
  clientEld.disable();
  loaderSocket.close();
  await stopAll();
  callerAgent.destroy();
  loaderAgent.destroy();
  const loaded = phases.filter((p) => p.label.startsWith('loaded'));
  const maxForeignCpuPct = Math.max(...phases.map((p) => p.foreignCpuPct));
  const worst = (name) => Math.max(...loaded.map((p) => p.latency[name].p99));
  return {
    mode,
    phases,
    loads,
    memory,
    maxForeignCpuPct,
    worstLoadedP99: {
      tasks: worst('GET /tasks/:id'),
      health: worst('GET /health'),
      assets: worst('GET /assets/:id'),
    },
    target: {
      p99Ms: TARGET_P99_MS,
      met: worst('GET /tasks/:id') < TARGET_P99_MS && worst('GET /health') < TARGET_P99_MS,
    },
  };
}

for (const run of result.runs) {
  const rows = run.phases.map((p) => [
    p.label,
    fmt(p.systemBusyPct),
    ...['GET /tasks/:id', 'GET /health', 'GET /assets/:id'].map(
      (n) =>
        `${fmt(p.latency[n].p50, 1)} / ${fmt(p.latency[n].p99, 1)} / ${fmt(p.latency[n].max, 1)}`,
    ),
    Object.entries(p.eventLoopDelay)
      .map(([r, e]) => `${r} ${fmt(e.p99Ms, 1)} / ${fmt(e.maxMs, 1)}`)
      .join(', '),
  ]);
  console.log(
    `\n${run.mode}:\n${table(['phase', 'CPU %', 'tasks p50/p99/max ms', 'health p50/p99/max ms', 'assets p50/p99/max ms', 'event-loop delay p99/max ms'], rows)}`,
  );
  console.log(
    `worst loaded p99: tasks ${fmt(run.worstLoadedP99.tasks, 1)} ms, health ${fmt(run.worstLoadedP99.health, 1)} ms; target < ${TARGET_P99_MS} ms: ${run.target.met ? 'MET' : 'NOT MET'}`,
  );
  console.log(
    `other load on the machine: at most ${fmt(run.maxForeignCpuPct)}% of its CPU in any phase`,
  );
  console.log(
    `memory: ${Object.entries(run.memory)
      .map(([r, m]) => `${r} VmHWM ${m.vmHwmMB} MB`)
      .join(', ')}`,
  );
}
console.log(
  `results: ${writeResult('api-latency', result)} (${fmt((Date.now() - benchStarted) / 1000)} s)`,
);
