/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return --
   Plain JavaScript run by node without a compile step: values from JSON, IPC and sockets are
   untyped (`any`) to the type-aware rules, which are meant for the TypeScript sources. */
// Bench 2: small-image tasks/s with 10 and with 100 concurrent sessions (a registered user,
// logged in, with a socket connected; each uploads its images one request at a time and waits
// for all its task.succeeded), against a raw BullMQ Queue + Worker doing the same sharp work, in
// the same run, interleaved. Every socket event is audited: each session must get exactly one
// queued, one started, ≥0 progress and one succeeded per task of its own, and nothing else.
//
//   node bench/throughput.mjs [--rounds 3] [--tasks 300] [--main other/dist/main.js]
import { fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApiProbe } from './lib/api-probe.mjs';
import {
  argValue,
  assertBuilt,
  buildInfo,
  deleteKeys,
  freshPrefix,
  freshTempDir,
  locateRedis,
  machine,
  sleep,
  withCleanup,
  writeResult,
} from './lib/env.mjs';
import { loadImageSettings } from './lib/image-work.mjs';
import Redis from 'ioredis';
import { cpuWindow, redisCommandCalls, redisCommandDiff, redisPid } from './lib/cpu.mjs';
import { startKiln } from './lib/kiln.mjs';
import { auditEvents, auditLine, runSessions, smallImage, startSessions } from './lib/sessions.mjs';
import { fmt, latencySummary, median, summarize, table } from './lib/stats.mjs';

const ROUNDS = Number(argValue('--rounds') ?? 3);
const TASKS_PER_PHASE = Number(argValue('--tasks') ?? 300);
const SESSION_COUNTS = [10, 100];
const TARGET_RATIO = 0.8;
const PHASE_TIMEOUT_MS = 120_000;
/** Kiln's KILN_WORKER_CONCURRENCY; by default unset (= cores), as the target asks. */
const KILN_CONCURRENCY = argValue('--kiln-concurrency');
/** Another build's main.js (an A/B of two builds, one run each), else this checkout's dist/. */
const KILN_MAIN = argValue('--main');

assertBuilt();
const buildAtStart = buildInfo();
const benchStarted = Date.now();

const result = await withCleanup(async (onCleanup) => {
  const redis = await locateRedis();
  if (redis.stop) onCleanup(() => redis.stop());
  const work = freshTempDir('throughput');
  onCleanup(() => rmSync(work, { recursive: true, force: true }));
  const keyPrefix = freshPrefix('tput');
  onCleanup(async () =>
    console.log(`deleted ${await deleteKeys(redis.url, keyPrefix)} keys under ${keyPrefix}:`),
  );

  const image = await smallImage(work);
  console.log(`small image: ${image.path} ${image.width}×${image.height}, ${image.bytes} bytes`);

  const concurrency = availableParallelism(); // Kiln's default KILN_WORKER_CONCURRENCY
  const kiln = await startKiln({
    redisUrl: redis.url,
    keyPrefix,
    dataDir: join(work, 'data'),
    env: KILN_CONCURRENCY ? { KILN_WORKER_CONCURRENCY: KILN_CONCURRENCY } : {},
    ...(KILN_MAIN ? { main: KILN_MAIN } : {}),
  });
  let memory;
  onCleanup(async () => {
    memory ??= await kiln.stop();
  });
  console.log(
    `Kiln pid ${kiln.pid} at ${kiln.baseUrl}, worker concurrency ${KILN_CONCURRENCY ?? `${concurrency} (default)`}; raw concurrency ${concurrency}`,
  );

  const raws = {};
  for (const mode of ['direct', 'piscina']) {
    raws[mode] = await startRaw(mode, {
      redisUrl: redis.url,
      keyPrefix,
      concurrency,
      work,
      input: image.path,
    });
    onCleanup(() => raws[mode].stop());
  }

  const maxSessions = Math.max(...SESSION_COUNTS);
  console.log(`signing up ${maxSessions} users (scrypt) and connecting their sockets…`);
  const sessions = await startSessions(kiln.baseUrl, maxSessions, 'tput', onCleanup);

  /** One Kiln phase: `count` sessions upload `per` images each, one request at a time. */
  const runKiln = (count, per) =>
    runSessions({
      baseUrl: kiln.baseUrl,
      sessions,
      count,
      per,
      imageFor: () => image.path,
      timeoutMs: PHASE_TIMEOUT_MS,
    });

  const redisClient = new Redis(redis.url);
  onCleanup(() => redisClient.quit());
  const pids = {
    kiln: kiln.pid,
    rawDirect: raws.direct.pid,
    rawPiscina: raws.piscina.pid,
    redis: await redisPid(redisClient),
    client: process.pid,
  };

  /** Issue 11's API latency probe (bench/lib/api-probe.mjs), as the last session's dashboard. */
  const probeApi = () => {
    const prober = sessions[sessions.length - 1];
    return startApiProbe({
      baseUrl: kiln.baseUrl,
      token: prober.user.token,
      taskId: [...prober.ownTasks][0] ?? '00000000-0000-4000-8000-000000000000',
    });
  };

  const phases = [];
  const runPhase = async (who, count, per, round) => {
    const label = `${who}-${count}`;
    kiln.memory.mark(`${label}${round === 0 ? ' (warm-up)' : ''}`);
    const redis0 = await redisCommandCalls(redisClient);
    const cpuEnd = cpuWindow(pids);
    const prober = who === 'kiln' ? probeApi() : undefined;
    const r = who === 'kiln' ? await runKiln(count, per) : await raws[who.slice(4)].run(count, per);
    const apiMs = await prober?.stop();
    const system = cpuEnd();
    const redisCommands = redisCommandDiff(redis0, await redisCommandCalls(redisClient));
    const cpuMsPerTask = Object.fromEntries(
      Object.entries(system.used)
        .map(([name, c]) => [name, { main: c.main / r.tasks, others: c.others / r.tasks }])
        .filter(([, c]) => c.main + c.others > 0.05),
    );
    const phase = {
      round,
      who,
      sessions: count,
      perSession: per,
      tasks: r.tasks,
      ms: r.ms,
      tasksPerSec: r.tasksPerSec,
      slotMs: latencySummary(r.slotMs),
      ...(r.uploadMs
        ? {
            uploadMs: latencySummary(r.uploadMs),
            queueWaitMs: latencySummary(r.queueWaitMs),
            eventLatencyMs: latencySummary(r.eventLatencyMs),
            apiMs: latencySummary(apiMs),
          }
        : {}),
      systemBusyPct: system.busyPct,
      foreignCpuPct: system.foreignPct,
      cpuMsPerTask,
      redisCommandsPerTask: redisCommands.total / r.tasks,
      redisCommands: redisCommands.byCommand,
    };
    phases.push(phase);
    console.log(
      `${round === 0 ? 'warm-up' : `round ${round}`} ${label.padEnd(15)} ${r.tasks} tasks in ${fmt(r.ms)} ms: ${fmt(r.tasksPerSec, 1)} tasks/s; ` +
        `slot p50 ${fmt(phase.slotMs.p50)} ms; CPU busy ${fmt(system.busyPct)}% (foreign ${fmt(system.foreignPct)}%); ${fmt(phase.redisCommandsPerTask, 1)} Redis cmds/task` +
        (r.uploadMs
          ? `; upload p50 ${fmt(phase.uploadMs.p50)} ms, queue wait p50 ${fmt(phase.queueWaitMs.p50)} ms, ` +
            `event latency p50/p99 ${fmt(phase.eventLatencyMs.p50)}/${fmt(phase.eventLatencyMs.p99)} ms`
          : ''),
    );
  };

  // Warm-up: a short phase of each.
  for (const who of ['kiln', 'raw-direct', 'raw-piscina']) await runPhase(who, 10, 2, 0);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const count of SESSION_COUNTS) {
      const per = Math.max(1, Math.round(TASKS_PER_PHASE / count));
      const order =
        round % 2 === 1
          ? ['kiln', 'raw-direct', 'raw-piscina']
          : ['raw-piscina', 'raw-direct', 'kiln'];
      for (const who of order) await runPhase(who, count, per, round);
    }
  }

  // Audit every event every socket got, after a grace period for stragglers.
  await sleep(1000);
  const audit = auditEvents(sessions);
  memory = await kiln.stop();

  const summary = {};
  for (const count of SESSION_COUNTS) {
    const rate = (who) =>
      phases
        .filter((p) => p.round > 0 && p.who === who && p.sessions === count)
        .map((p) => p.tasksPerSec);
    const kilnRate = summarize(rate('kiln'));
    const direct = summarize(rate('raw-direct'));
    const piscina = summarize(rate('raw-piscina'));
    const cpuOf = (who, proc) =>
      median(
        phases
          .filter((p) => p.round > 0 && p.who === who && p.sessions === count)
          .map((p) => (p.cpuMsPerTask[proc]?.main ?? 0) + (p.cpuMsPerTask[proc]?.others ?? 0)),
      );
    const slotOf = (who) =>
      median(
        phases
          .filter((p) => p.round > 0 && p.who === who && p.sessions === count)
          .map((p) => p.slotMs.p50),
      );
    const redisOf = (who) =>
      median(
        phases
          .filter((p) => p.round > 0 && p.who === who && p.sessions === count)
          .map((p) => p.redisCommandsPerTask),
      );
    const busyOf = (who) =>
      median(
        phases
          .filter((p) => p.round > 0 && p.who === who && p.sessions === count)
          .map((p) => p.systemBusyPct),
      );
    summary[count] = {
      cpuMsPerTask: {
        kiln: {
          kilnMain: median(
            phases
              .filter((p) => p.round > 0 && p.who === 'kiln' && p.sessions === count)
              .map((p) => p.cpuMsPerTask.kiln?.main ?? 0),
          ),
          kilnAll: cpuOf('kiln', 'kiln'),
          redis: cpuOf('kiln', 'redis'),
          client: cpuOf('kiln', 'client'),
        },
        rawDirect: { raw: cpuOf('raw-direct', 'rawDirect'), redis: cpuOf('raw-direct', 'redis') },
        rawPiscina: {
          raw: cpuOf('raw-piscina', 'rawPiscina'),
          redis: cpuOf('raw-piscina', 'redis'),
        },
      },
      redisCommandsPerTask: {
        kiln: redisOf('kiln'),
        rawDirect: redisOf('raw-direct'),
        rawPiscina: redisOf('raw-piscina'),
      },
      slotMsP50: {
        kiln: slotOf('kiln'),
        rawDirect: slotOf('raw-direct'),
        rawPiscina: slotOf('raw-piscina'),
      },
      systemBusyPct: {
        kiln: busyOf('kiln'),
        rawDirect: busyOf('raw-direct'),
        rawPiscina: busyOf('raw-piscina'),
      },
      kiln: kilnRate,
      rawDirect: direct,
      rawPiscina: piscina,
      ratio: kilnRate.median / direct.median,
      // Kiln / raw direct within each round: robust to the machine's drift between rounds
      pairedRatio: summarize(
        phases
          .filter((p) => p.round > 0 && p.who === 'kiln' && p.sessions === count)
          .map(
            (k) =>
              k.tasksPerSec /
              phases.find(
                (p) => p.round === k.round && p.who === 'raw-direct' && p.sessions === count,
              ).tasksPerSec,
          ),
      ),
      ratioVsPiscina: kilnRate.median / piscina.median,
      apiMsP99: median(
        phases
          .filter((p) => p.round > 0 && p.who === 'kiln' && p.sessions === count)
          .map((p) => p.apiMs.p99),
      ),
      // Median over the rounds of each phase's event latency (`at` → socket); target p99 < 50 ms.
      eventLatencyMs: {
        p50: median(
          phases
            .filter((p) => p.round > 0 && p.who === 'kiln' && p.sessions === count)
            .map((p) => p.eventLatencyMs.p50),
        ),
        p99: median(
          phases
            .filter((p) => p.round > 0 && p.who === 'kiln' && p.sessions === count)
            .map((p) => p.eventLatencyMs.p99),
        ),
      },
    };
  }
  const met = SESSION_COUNTS.every((c) => summary[c].ratio >= TARGET_RATIO);
  return {
    bench: 'throughput',
    date: new Date().toISOString(),
    machine: machine(),
    build: buildAtStart,
    distRebuiltDuringRun: buildInfo().distBuiltAt !== buildAtStart.distBuiltAt,
    redis: redis.source,
    image: { file: image.path, width: image.width, height: image.height, bytes: image.bytes },
    baselineStrategy: loadImageSettings().strategy,
    concurrency,
    kilnConcurrency: KILN_CONCURRENCY ? Number(KILN_CONCURRENCY) : concurrency,
    tasksPerPhase: TASKS_PER_PHASE,
    maxForeignCpuPct: Math.max(...phases.map((p) => p.foreignCpuPct)),
    phases,
    summary,
    audit,
    target: {
      ratio: TARGET_RATIO,
      met,
      eventsOk:
        audit.lost === 0 &&
        audit.misrouted === 0 &&
        audit.duplicated === 0 &&
        audit.outOfOrder === 0,
    },
    memory,
  };
});

async function startRaw(mode, { redisUrl, keyPrefix, concurrency, work, input }) {
  const child = fork(fileURLToPath(new URL('./lib/raw-bullmq.mjs', import.meta.url)), [], {
    env: {
      PATH: process.env.PATH,
      REDIS_URL: redisUrl,
      BULL_PREFIX: `${keyPrefix}:raw-${mode}`,
      CONCURRENCY: String(concurrency),
      MODE: mode,
      WORK_ROOT: work,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const replies = new Map();
  await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`raw ${mode} exited with ${code}`)));
    child.on('message', (message) => {
      if (message.ready) resolve();
      else replies.get(message.id)?.(message);
    });
  });
  let id = 0;
  return {
    pid: child.pid,
    run(sessions, perSession) {
      return new Promise((resolve, reject) => {
        const myId = ++id;
        const timer = setTimeout(
          () => reject(new Error(`raw ${mode} run timed out`)),
          PHASE_TIMEOUT_MS,
        );
        replies.set(myId, (reply) => {
          clearTimeout(timer);
          replies.delete(myId);
          if (reply.error) reject(new Error(reply.error));
          else resolve(reply);
        });
        child.send({ id: myId, runId: `${mode}-${myId}`, sessions, perSession, input });
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      await Promise.race([exited, sleep(10_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

const rows = [];
for (const count of SESSION_COUNTS) {
  const x = result.summary[count];
  const cell = (v) => `${fmt(v.median, 1)} (${fmt(v.min, 1)}–${fmt(v.max, 1)})`;
  rows.push([
    count,
    cell(x.kiln),
    cell(x.rawDirect),
    cell(x.rawPiscina),
    fmt(x.ratio, 2),
    `${fmt(x.pairedRatio.median, 2)} (${fmt(x.pairedRatio.min, 2)}–${fmt(x.pairedRatio.max, 2)})`,
    fmt(x.ratioVsPiscina, 2),
  ]);
}
console.log(
  `\n${table(['sessions', 'Kiln tasks/s', 'raw direct tasks/s', 'raw piscina tasks/s', 'Kiln/raw direct', 'paired per round', 'Kiln/raw piscina'], rows)}`,
);
for (const count of SESSION_COUNTS) {
  const x = result.summary[count];
  console.log(
    `${count} sessions: CPU ms/task Kiln ${fmt(x.cpuMsPerTask.kiln.kilnAll, 1)} (main thread ${fmt(x.cpuMsPerTask.kiln.kilnMain, 1)}) + Redis ${fmt(x.cpuMsPerTask.kiln.redis, 1)} + client ${fmt(x.cpuMsPerTask.kiln.client, 1)}; ` +
      `raw direct ${fmt(x.cpuMsPerTask.rawDirect.raw, 1)} + Redis ${fmt(x.cpuMsPerTask.rawDirect.redis, 1)}; Redis cmds/task Kiln ${fmt(x.redisCommandsPerTask.kiln, 1)} vs raw ${fmt(x.redisCommandsPerTask.rawDirect, 1)}; ` +
      `slot p50 Kiln ${fmt(x.slotMsP50.kiln)} ms vs raw ${fmt(x.slotMsP50.rawDirect)} ms; CPU busy Kiln ${fmt(x.systemBusyPct.kiln)}% vs raw ${fmt(x.systemBusyPct.rawDirect)}%; ` +
      `event latency (at → socket) p50 ${fmt(x.eventLatencyMs.p50)} ms, p99 ${fmt(x.eventLatencyMs.p99)} ms (target p99 < 50); API p99 (GET /tasks/:id, /health) ${fmt(x.apiMsP99)} ms (target < 50)`,
  );
}
console.log(auditLine(result.audit));
console.log(
  `other load on the machine: at most ${fmt(result.maxForeignCpuPct)}% of its CPU in any phase`,
);
console.log(
  `target ≥ ${TARGET_RATIO}× raw: ${result.target.met ? 'MET' : 'NOT MET'}; events ${result.target.eventsOk ? 'OK' : 'NOT OK'}`,
);
console.log(
  `Kiln memory: VmHWM ${result.memory.vmHwmMB} MB, peak sampled VmRSS ${result.memory.peakSampledRssMB} MB`,
);
console.log(
  `results: ${writeResult('throughput', result)} (${fmt((Date.now() - benchStarted) / 1000)} s)`,
);
