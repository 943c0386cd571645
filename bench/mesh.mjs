/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return --
   Plain JavaScript run by node without a compile step: values from JSON, IPC and sockets are
   untyped (`any`) to the type-aware rules, which are meant for the TypeScript sources. */
// Bench: a 1M-triangle model (issue 13's "Speed"). Generates the same wavy sphere as an OBJ
// (~100 MB, v/vt/vn) and a GLB, then in one run on one machine:
//   - obj2gltf on the OBJ (the reference; installed into bench/.deps for the bench only);
//   - Kiln: POST /uploads → task.succeeded of the `process` task, for the OBJ and the GLB, with
//     each step's time (from the progress events) and the process's peak RSS during each step;
//   - Kiln: a `convert` task alone on the OBJ (load + convert, what obj2gltf does) and a `render`
//     task alone (reads model.glb, draws thumbnail.png and turntable.webp).
// Targets: OBJ → model.glb no slower than obj2gltf; render under 1 s; a task's peak memory
// under 1.5 GB.
//
//   node bench/mesh.mjs [--rounds 1] [--triangles 1000000]
import { rmSync } from 'node:fs';
import { join } from 'node:path';
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
  sleep,
  withCleanup,
  writeResult,
} from './lib/env.mjs';
import { startKiln } from './lib/kiln.mjs';
import { gridFor, runObj2gltf, writeSphereGlb, writeSphereObj } from './lib/mesh-work.mjs';
import { fmt, summarize, table } from './lib/stats.mjs';

const ROUNDS = Number(argValue('--rounds') ?? 1);
const TRIANGLES = Number(argValue('--triangles') ?? 1_000_000);
const TASK_TIMEOUT_MS = 600_000;

assertBuilt();
const buildAtStart = buildInfo();
const started = Date.now();

const result = await withCleanup(async (onCleanup) => {
  const redis = await locateRedis();
  if (redis.stop) onCleanup(() => redis.stop());
  const work = freshTempDir('mesh');
  onCleanup(() => rmSync(work, { recursive: true, force: true }));
  const keyPrefix = freshPrefix('mesh');
  onCleanup(async () =>
    console.log(`deleted ${await deleteKeys(redis.url, keyPrefix)} keys under ${keyPrefix}:`),
  );

  const grid = gridFor(TRIANGLES);
  console.log(`generating a ${grid.rows}×${grid.cols}×2-triangle sphere as OBJ and GLB…`);
  const obj = await writeSphereObj(join(work, 'sphere.obj'), grid);
  const glb = await writeSphereGlb(join(work, 'sphere.glb'), grid);
  console.log(
    `  OBJ ${fmt(obj.bytes / 2 ** 20, 1)} MiB, GLB ${fmt(glb.bytes / 2 ** 20, 1)} MiB; ${obj.triangles} triangles, ${obj.vertices} vertices`,
  );

  const kiln = await startKiln({
    redisUrl: redis.url,
    keyPrefix,
    dataDir: join(work, 'data'),
    env: { KILN_STEP_TIMEOUT_MS: String(TASK_TIMEOUT_MS) },
  });
  kiln.memory.intervalMs = 50;
  let memory;
  onCleanup(async () => {
    memory ??= await kiln.stop();
  });
  console.log(`Kiln pid ${kiln.pid} at ${kiln.baseUrl}`);
  const user = await signUp(kiln.baseUrl, 'mesh');
  const socket = await connectSocket(kiln.baseUrl, user.token);
  onCleanup(() => socket.close());
  await sleep(500);
  const idleRssMB = kiln.memory.summary().peakSampledRssMB;

  /**
   * Follows one task to its end: per-step time from the progress events (a step runs from its
   * first event to the next step's first event, the last one to task.succeeded) and the peak RSS
   * the sampler saw in each step.
   */
  const follow = async (taskId, label) => {
    const steps = [];
    const onEvent = () => {
      const latest = socket.events.at(-1);
      if (latest?.payload?.taskId !== taskId || latest.name !== 'task.progress') return;
      if (steps.at(-1)?.step !== latest.payload.step) {
        steps.push({ step: latest.payload.step, t: latest.t });
        kiln.memory.mark(`${label}:${latest.payload.step}`);
      }
    };
    socket.socket.onAny(onEvent);
    try {
      const done = await socket.waitFor(
        (e) =>
          e.payload?.taskId === taskId &&
          (e.name === 'task.succeeded' || (e.name === 'task.failed' && !e.payload.willRetry)),
        TASK_TIMEOUT_MS,
      );
      if (done.name !== 'task.succeeded')
        throw new Error(`${label} failed: ${JSON.stringify(done.payload.error)}`);
      const startedEvent = socket.events.find(
        (e) => e.name === 'task.started' && e.payload.taskId === taskId,
      );
      const peaks = kiln.memory.summary().phasePeakRssMB;
      return {
        startedToDoneMs: done.t - startedEvent.t,
        doneAt: done.t,
        outputs: done.payload.outputs,
        steps: steps.map((s, i) => ({
          step: s.step,
          ms: (steps[i + 1]?.t ?? done.t) - s.t,
          peakRssMB: peaks[`${label}:${s.step}`],
        })),
        peakRssMB: Math.max(...steps.map((s) => peaks[`${label}:${s.step}`] ?? 0)),
      };
    } finally {
      socket.socket.offAny(onEvent);
      kiln.memory.mark('idle');
    }
  };

  const processModel = async (model, filename, label) => {
    const t0 = performance.now();
    const response = await upload(kiln.baseUrl, user.token, [{ path: model.path, filename }], {
      timeoutMs: TASK_TIMEOUT_MS,
    });
    const uploadMs = performance.now() - t0;
    const asset = expectStatus(response, 201, `upload ${filename}`).assets[0];
    const followed = await follow(asset.taskId, label);
    return { assetId: asset.id, uploadMs, totalFromPostMs: followed.doneAt - t0, ...followed };
  };

  const runAlone = async (assetId, type, label) => {
    const response = await call(kiln.baseUrl, 'POST', `/assets/${assetId}/tasks`, {
      token: user.token,
      json: { type },
    });
    const { taskId } = expectStatus(response, 201, `start ${type}`);
    return follow(taskId, label);
  };

  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const round = { round: r + 1 };
    round.obj2gltf = await runObj2gltf(obj.path, join(work, `obj2gltf-${r}.glb`));
    round.obj = await processModel(obj, 'sphere.obj', `r${r}:obj`);
    round.glb = await processModel(glb, 'sphere.glb', `r${r}:glb`);
    round.convertAlone = await runAlone(round.obj.assetId, 'convert', `r${r}:convert`);
    round.renderAlone = await runAlone(round.obj.assetId, 'render', `r${r}:render`);
    const toGlb = round.obj.steps
      .filter((s) => s.step === 'inspect' || s.step === 'convert')
      .reduce((sum, s) => sum + s.ms, 0);
    round.ratios = {
      convertAloneVsObj2gltf: round.convertAlone.startedToDoneMs / round.obj2gltf.wallMs,
      processToModelGlbVsObj2gltf: toGlb / round.obj2gltf.wallMs,
    };
    rounds.push(round);
    const steps = (run) =>
      run.steps.map((s) => `${s.step} ${fmt(s.ms)} ms/${fmt(s.peakRssMB)} MB`).join(', ');
    console.log(
      `round ${r + 1}: obj2gltf ${fmt(round.obj2gltf.wallMs)} ms (${fmt(round.obj2gltf.peakRssMB)} MB)\n` +
        `  OBJ process: POST→succeeded ${fmt(round.obj.totalFromPostMs)} ms (upload ${fmt(round.obj.uploadMs)}); ${steps(round.obj)}\n` +
        `  GLB process: POST→succeeded ${fmt(round.glb.totalFromPostMs)} ms (upload ${fmt(round.glb.uploadMs)}); ${steps(round.glb)}\n` +
        `  convert alone ${fmt(round.convertAlone.startedToDoneMs)} ms (${fmt(round.convertAlone.peakRssMB)} MB), ` +
        `render alone ${fmt(round.renderAlone.startedToDoneMs)} ms (step ${fmt(round.renderAlone.steps[0]?.ms)} ms, ${fmt(round.renderAlone.peakRssMB)} MB)\n` +
        `  convert alone / obj2gltf ${fmt(round.ratios.convertAloneVsObj2gltf, 2)}×, inspect+convert / obj2gltf ${fmt(round.ratios.processToModelGlbVsObj2gltf, 2)}×`,
    );
  }
  socket.close();
  memory = await kiln.stop();

  const pick = (f) => summarize(rounds.map(f));
  const summary = {
    obj2gltfMs: pick((r) => r.obj2gltf.wallMs),
    objProcessMs: pick((r) => r.obj.totalFromPostMs),
    glbProcessMs: pick((r) => r.glb.totalFromPostMs),
    convertAloneMs: pick((r) => r.convertAlone.startedToDoneMs),
    renderAloneMs: pick((r) => r.renderAlone.startedToDoneMs),
    renderStepMs: pick((r) => r.renderAlone.steps[0]?.ms ?? NaN),
    convertVsObj2gltf: pick((r) => r.ratios.convertAloneVsObj2gltf),
    peakTaskRssMB: Math.max(...rounds.flatMap((r) => [r.obj.peakRssMB, r.glb.peakRssMB])),
  };
  console.log(
    '\n' +
      table(
        ['what', 'median', 'target'],
        [
          ['obj2gltf, OBJ → GLB', `${fmt(summary.obj2gltfMs.median)} ms`, 'reference'],
          [
            'Kiln convert task alone (OBJ → model.glb)',
            `${fmt(summary.convertAloneMs.median)} ms`,
            '≤ obj2gltf',
          ],
          ['  ratio', `${fmt(summary.convertVsObj2gltf.median, 2)}×`, '≤ 1'],
          [
            'Kiln render step (1M triangles)',
            `${fmt(summary.renderStepMs.median)} ms`,
            '< 1000 ms',
          ],
          ['OBJ POST → task.succeeded', `${fmt(summary.objProcessMs.median)} ms`, '—'],
          ['GLB POST → task.succeeded', `${fmt(summary.glbProcessMs.median)} ms`, '—'],
          [
            'peak RSS of the Kiln process during a task',
            `${fmt(summary.peakTaskRssMB)} MB (idle ${fmt(idleRssMB)} MB)`,
            '< 1500 MB',
          ],
        ],
      ),
  );
  return {
    obj: { bytes: obj.bytes, triangles: obj.triangles },
    glb: { bytes: glb.bytes },
    idleRssMB,
    rounds,
    summary,
    memory,
  };
});

writeResult('mesh', {
  bench: 'mesh',
  machine: machine(),
  build: buildAtStart,
  startedAt: new Date(started).toISOString(),
  tookS: Math.round((Date.now() - started) / 1000),
  ...result,
});
