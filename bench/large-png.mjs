/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return --
   Plain JavaScript run by node without a compile step: values from JSON, IPC and sockets are
   untyped (`any`) to the type-aware rules, which are meant for the TypeScript sources. */
// Bench 1: one 4096×4096 PNG, from POST /uploads to the task.succeeded socket event, against a
// bare sharp process making the same outputs the same way (lib/image-work.mjs processTask()),
// interleaved in the same run.
//
//   node bench/large-png.mjs [--rounds 7] [--main other/dist/main.js]
//
// --main: run another build's main.js (an A/B of two builds: one run each, alternated).
import { fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { call, connectSocket, expectStatus, signUp, upload } from './lib/client.mjs';
import {
  argValue,
  assertBuilt,
  buildInfo,
  deleteKeys,
  freshPrefix,
  freshTempDir,
  locateRedis,
  machine,
  withCleanup,
  writeResult,
} from './lib/env.mjs';
import { generatePng } from './lib/image-work.mjs';
import Redis from 'ioredis';
import { cpuWindow, redisPid } from './lib/cpu.mjs';
import { startKiln } from './lib/kiln.mjs';
import { fmt, summarize, table } from './lib/stats.mjs';

const ROUNDS = Number(argValue('--rounds') ?? 7);
const KILN_MAIN = argValue('--main');
const SIZE = 4096;
const TARGET_RATIO = 1.1; // issue 11: ≤ 1.1× bare

assertBuilt();
const buildAtStart = buildInfo();
const started = Date.now();

const result = await withCleanup(async (onCleanup) => {
  const redis = await locateRedis();
  if (redis.stop) onCleanup(() => redis.stop());
  const work = freshTempDir('large-png');
  onCleanup(() => rmSync(work, { recursive: true, force: true }));
  const keyPrefix = freshPrefix('png');
  onCleanup(async () =>
    console.log(`deleted ${await deleteKeys(redis.url, keyPrefix)} keys under ${keyPrefix}:`),
  );

  console.log(`generating a ${SIZE}×${SIZE} PNG…`);
  const image = await generatePng(join(work, 'large.png'), SIZE);
  console.log(
    `  ${image.bytes} bytes (${fmt(image.bytes / 2 ** 20, 1)} MiB), sha256 ${image.sha256.slice(0, 12)}…`,
  );

  const kiln = await startKiln({
    redisUrl: redis.url,
    keyPrefix,
    dataDir: join(work, 'data'),
    ...(KILN_MAIN ? { main: resolve(KILN_MAIN) } : {}),
  });
  let memory;
  onCleanup(async () => {
    memory ??= await kiln.stop();
  });
  console.log(`Kiln pid ${kiln.pid} at ${kiln.baseUrl}`);

  const bare = fork(fileURLToPath(new URL('./lib/bare-runner.mjs', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  onCleanup(() => bare.kill('SIGTERM'));
  const bareReplies = new Map();
  await new Promise((resolve, reject) => {
    bare.once('error', reject);
    bare.on('message', (message) => {
      if (message.ready) resolve();
      else bareReplies.get(message.id)?.(message);
    });
  });
  let bareId = 0;
  const runBare = (mode) =>
    new Promise((resolve, reject) => {
      const id = ++bareId;
      const t0 = performance.now();
      const timer = setTimeout(() => reject(new Error('bare run timed out')), 120_000);
      bareReplies.set(id, (reply) => {
        clearTimeout(timer);
        bareReplies.delete(id);
        if (reply.error) reject(new Error(reply.error));
        else resolve({ ...reply, wallMs: performance.now() - t0 });
      });
      bare.send({ id, mode, input: image.path, workRoot: work });
    });

  // The transfer floor: the same bytes POSTed to a server that only reads them.
  const sink = fork(fileURLToPath(new URL('./lib/null-sink.mjs', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  onCleanup(() => sink.kill('SIGTERM'));
  const sinkUrl = await new Promise((resolve) =>
    sink.once('message', ({ port }) => resolve(`http://127.0.0.1:${port}`)),
  );
  const runSink = async () => {
    const response = await upload(sinkUrl, 'none', [{ path: image.path, filename: 'large.png' }]);
    return { totalMs: response.ms };
  };

  const user = await signUp(kiln.baseUrl, 'png');
  const socket = await connectSocket(kiln.baseUrl, user.token);
  onCleanup(() => socket.close());

  const runKiln = async () => {
    const t0 = performance.now();
    const response = await upload(kiln.baseUrl, user.token, [
      { path: image.path, filename: 'large.png' },
    ]);
    const tUploaded = performance.now();
    const { taskId, id: assetId } = expectStatus(response, 201, 'upload').assets[0];
    const done = await socket.waitFor(
      (e) =>
        e.payload?.taskId === taskId && (e.name === 'task.succeeded' || e.name === 'task.failed'),
      120_000,
    );
    const tDone = performance.now();
    if (done.name !== 'task.succeeded')
      throw new Error(`task failed: ${JSON.stringify(done.payload)}`);
    const of = (name) => socket.events.find((e) => e.name === name && e.payload.taskId === taskId);
    const at = (event) => Date.parse(event.payload.at);
    const queued = of('task.queued');
    const startedEvent = of('task.started');
    const asset = expectStatus(
      await call(kiln.baseUrl, 'GET', `/assets/${assetId}`, { token: user.token }),
      200,
      'asset',
    );
    return {
      totalMs: tDone - t0,
      uploadMs: tUploaded - t0,
      queueWaitMs: at(startedEvent) - at(queued),
      // started → succeeded on the server: three steps on the pool + storing outputs + Redis
      processingMs: at(done) - at(startedEvent),
      relayMs: performance.timeOrigin + done.t - at(done),
      progressEvents: socket.events.filter(
        (e) => e.name === 'task.progress' && e.payload.taskId === taskId,
      ).length,
      outputs: asset.outputs.map((o) => `${o.name}:${o.bytes}`),
    };
  };

  console.log('warm-up: one Kiln task, one bare run of each kind');
  kiln.memory.mark('warm-up');
  const warmKiln = await runKiln();
  const warmBare = await runBare('same');
  await runBare('one');
  await runSink();
  console.log(
    `  kiln ${fmt(warmKiln.totalMs)} ms, bare ${fmt(warmBare.totalMs)} ms; outputs ${warmKiln.outputs.join(', ')}`,
  );

  const redisClient = new Redis(redis.url);
  const pids = {
    kiln: kiln.pid,
    bare: bare.pid,
    sink: sink.pid,
    client: process.pid,
    redis: await redisPid(redisClient),
  };
  await redisClient.quit();

  kiln.memory.mark('rounds');
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate who goes first, so drift (thermal, page cache, Redis) does not favour one side.
    const order = r % 2 === 0 ? ['kiln', 'same', 'one', 'sink'] : ['sink', 'one', 'same', 'kiln'];
    const round = { round: r + 1, order: order.join('→') };
    const cpuEnd = cpuWindow(pids);
    for (const who of order) {
      if (who === 'kiln') round.kiln = await runKiln();
      else if (who === 'sink') round.uploadFloor = await runSink();
      else round[who === 'same' ? 'bare' : 'bareOneDecode'] = await runBare(who);
    }
    round.ratio = round.kiln.totalMs / round.bare.totalMs;
    round.foreignCpuPct = cpuEnd().foreignPct;
    rounds.push(round);
    console.log(
      `round ${r + 1}: kiln ${fmt(round.kiln.totalMs)} ms (upload ${fmt(round.kiln.uploadMs)}, queue ${fmt(round.kiln.queueWaitMs)}, ` +
        `processing ${fmt(round.kiln.processingMs)}, relay ${fmt(round.kiln.relayMs)}), bare ${fmt(round.bare.totalMs)} ms ` +
        `(${Object.entries(round.bare.stepMs)
          .map(([step, ms]) => `${step} ${fmt(ms)}`)
          .join(', ')}), ` +
        `bare one-decode ${fmt(round.bareOneDecode.totalMs)} ms, upload floor ${fmt(round.uploadFloor.totalMs)} ms, ratio ${fmt(round.ratio, 3)}; foreign CPU ${fmt(round.foreignCpuPct)}%`,
    );
  }
  socket.close();
  sink.disconnect();
  memory = await kiln.stop();

  const pick = (f) => rounds.map(f);
  const summary = {
    kilnTotalMs: summarize(pick((r) => r.kiln.totalMs)),
    kilnUploadMs: summarize(pick((r) => r.kiln.uploadMs)),
    kilnQueueWaitMs: summarize(pick((r) => r.kiln.queueWaitMs)),
    kilnProcessingMs: summarize(pick((r) => r.kiln.processingMs)),
    kilnRelayMs: summarize(pick((r) => r.kiln.relayMs)),
    bareTotalMs: summarize(pick((r) => r.bare.totalMs)),
    bareStepMs: Object.fromEntries(
      Object.keys(rounds[0].bare.stepMs).map((step) => [
        step,
        summarize(pick((r) => r.bare.stepMs[step])),
      ]),
    ),
    bareOneDecodeMs: summarize(pick((r) => r.bareOneDecode.totalMs)),
    uploadFloorMs: summarize(pick((r) => r.uploadFloor.totalMs)),
    pairedRatio: summarize(pick((r) => r.ratio)),
    // The POST alone against the null sink's, paired per round (target ≤ 2×), and its rate.
    uploadVsFloor: summarize(pick((r) => r.kiln.uploadMs / r.uploadFloor.totalMs)),
    ingestMBps: summarize(pick((r) => image.bytes / 1e6 / (r.kiln.uploadMs / 1000))),
  };
  const ratio = summary.kilnTotalMs.median / summary.bareTotalMs.median;
  return {
    bench: 'large-png',
    date: new Date().toISOString(),
    machine: machine(),
    build: buildAtStart,
    distRebuiltDuringRun: buildInfo().distBuiltAt !== buildAtStart.distBuiltAt,
    redis: redis.source,
    image: { width: image.width, height: image.height, bytes: image.bytes, sha256: image.sha256 },
    rounds,
    summary,
    ratio,
    ratioVsOneDecode: summary.kilnTotalMs.median / summary.bareOneDecodeMs.median,
    bareStrategy: rounds[0].bare.strategy,
    maxForeignCpuPct: Math.max(...rounds.map((r) => r.foreignCpuPct)),
    target: { ratio: TARGET_RATIO, met: ratio <= TARGET_RATIO },
    memory,
  };
});

const s = result.summary;
const row = (label, x) => [label, fmt(x.median), `${fmt(x.min)}–${fmt(x.max)}`];
console.log(
  `\n${table(
    ['', 'median ms', 'min–max ms'],
    [
      row('Kiln: upload → task.succeeded', s.kilnTotalMs),
      row('  upload (POST answered)', s.kilnUploadMs),
      row('  queue wait (queued → started)', s.kilnQueueWaitMs),
      row('  processing (started → succeeded)', s.kilnProcessingMs),
      row('  relay (succeeded → socket)', s.kilnRelayMs),
      row(`bare sharp, as the pipeline (${result.bareStrategy})`, s.bareTotalMs),
      ...Object.entries(s.bareStepMs).map(([step, x]) => row(`  ${step}`, x)),
      row('bare sharp, one decode shrunk to ≤2048 first (info)', s.bareOneDecodeMs),
      row('upload floor: same POST to a null sink', s.uploadFloorMs),
    ],
  )}`,
);
console.log(
  `\nKiln / bare = ${fmt(result.ratio, 3)} (paired median ${fmt(s.pairedRatio.median, 3)}, ${fmt(s.pairedRatio.min, 3)}–${fmt(s.pairedRatio.max, 3)}); ` +
    `target ≤ ${TARGET_RATIO}: ${result.target.met ? 'MET' : 'NOT MET'}`,
);
console.log(
  `POST alone / null sink = ${fmt(s.uploadVsFloor.median, 2)}× (${fmt(s.uploadVsFloor.min, 2)}–${fmt(s.uploadVsFloor.max, 2)}), ` +
    `ingest ${fmt(s.ingestMBps.median, 1)} MB/s; target ≤ 2×: ${s.uploadVsFloor.median <= 2 ? 'MET' : 'NOT MET'}`,
);
console.log(
  `other load on the machine: at most ${fmt(result.maxForeignCpuPct)}% of its CPU in any round`,
);
console.log(
  `Kiln memory: VmHWM ${result.memory.vmHwmMB} MB, peak sampled VmRSS ${result.memory.peakSampledRssMB} MB`,
);
console.log(
  `results: ${writeResult('large-png', result)} (${fmt((Date.now() - started) / 1000)} s)`,
);
