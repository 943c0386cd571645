/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return --
   Plain JavaScript run by node without a compile step: values from JSON and sockets are untyped
   (`any`) to the type-aware rules, which are meant for the TypeScript sources. */
// Bench: a generated 4096² texture set of five PNG maps (base colour, DirectX normal, roughness,
// metallic, occlusion) sent as loose files in one POST /uploads, to the task.succeeded socket
// event, with the time of each step (from the step-done progress events' server times); and
// `pack` and `variants` against a bare script doing the same work with sharp alone, in this
// process, interleaved with Kiln's rounds.
//
//   node bench/texture-set.mjs [--rounds 3]
import { rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { connectSocket, expectStatus, signUp, upload } from './lib/client.mjs';
import {
  argValue,
  assertBuilt,
  buildInfo,
  deleteKeys,
  freshPrefix,
  freshTempDir,
  locateRedis,
  machine,
  requireFromRepo,
  withCleanup,
  writeResult,
} from './lib/env.mjs';
import { startKiln } from './lib/kiln.mjs';
import { fmt, summarize, table } from './lib/stats.mjs';

const sharp = requireFromRepo('sharp');
const ROUNDS = Number(argValue('--rounds') ?? 3);
const SIZE = 4096;
const STEPS = ['inspect', 'pack', 'variants', 'render'];

/** Smooth noise: a small random image blown up with bicubic interpolation (compresses like a real map). */
function smoothNoise(channels, seed) {
  const side = 128;
  const pixels = Buffer.alloc(side * side * channels);
  let state = seed >>> 0;
  for (let i = 0; i < pixels.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    pixels[i] = (state >>> 16) & 0xff;
  }
  return sharp(pixels, { raw: { width: side, height: side, channels } }).resize(SIZE, SIZE, {
    kernel: 'cubic',
  });
}

async function generateSet(dir) {
  await mkdir(dir, { recursive: true });
  const path = (role) => join(dir, `bench_${role}.png`);
  await smoothNoise(3, 1).png().toFile(path('BaseColor'));
  await smoothNoise(1, 2).png().toFile(path('Roughness'));
  await smoothNoise(1, 3).png().toFile(path('Metallic'));
  await smoothNoise(1, 4).png().toFile(path('AO'));
  // A DirectX normal map of a smooth height field.
  const height = await smoothNoise(1, 5).raw().toBuffer();
  const normal = Buffer.alloc(SIZE * SIZE * 3);
  const h = (x, y) =>
    height[Math.min(SIZE - 1, Math.max(0, y)) * SIZE + Math.min(SIZE - 1, Math.max(0, x))] / 255;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const dx = (h(x + 1, y) - h(x - 1, y)) * 16;
      const dRow = (h(x, y + 1) - h(x, y - 1)) * 16;
      const length = Math.hypot(dx, dRow, 1);
      const o = (y * SIZE + x) * 3;
      normal[o] = Math.round((-dx / length + 1) * 127.5);
      normal[o + 1] = Math.round((-dRow / length + 1) * 127.5);
      normal[o + 2] = Math.round((1 / length + 1) * 127.5);
    }
  }
  await sharp(normal, { raw: { width: SIZE, height: SIZE, channels: 3 } })
    .png()
    .toFile(path('NormalDX'));
  return ['BaseColor', 'NormalDX', 'Roughness', 'Metallic', 'AO'].map((role) => ({
    path: path(role),
    filename: `bench_${role}.png`,
  }));
}

/** `pack` with sharp alone: the same channel picks, join and PNG settings as Kiln's step. */
async function barePack(files, out) {
  const [, normal, roughness, metallic, ao] = files.map((file) => file.path);
  const grey = (path) =>
    sharp(path).removeAlpha().toColourspace('b-w').raw({ depth: 'uchar' }).toBuffer();
  const [r, g, b] = await Promise.all([grey(ao), grey(roughness), grey(metallic)]);
  const raw = { width: SIZE, height: SIZE, channels: 1 };
  await sharp(r, { raw })
    .joinChannel([g, b], { raw })
    .toColourspace('srgb')
    .png({ compressionLevel: 6 })
    .toFile(join(out, 'orm.png'));
  await sharp(normal)
    .removeAlpha()
    .toColourspace('srgb')
    .linear([1, -1, 1], [0, 255, 0])
    .png({ compressionLevel: 6 })
    .toFile(join(out, 'normal.png'));
}

/** `variants` with sharp alone: a 2048² WebP of each map and of the ORM, one at a time, as Kiln. */
async function bareVariants(files, out) {
  const jobs = [
    [files[0].path, 'baseColor.webp', 80],
    [join(out, 'normal.png'), 'normal.webp', 90],
    [files[2].path, 'roughness.webp', 90],
    [files[3].path, 'metallic.webp', 90],
    [files[4].path, 'occlusion.webp', 90],
    [join(out, 'orm.png'), 'orm.webp', 90],
  ];
  for (const [input, name, quality] of jobs) {
    await sharp(input)
      .resize(2048, 2048, { fit: 'fill' })
      .webp({ quality, effort: 4 })
      .toFile(join(out, name));
  }
}

assertBuilt();
const buildAtStart = buildInfo();

const result = await withCleanup(async (onCleanup) => {
  const redis = await locateRedis();
  if (redis.stop) onCleanup(() => redis.stop());
  const work = freshTempDir('texture-set');
  onCleanup(() => rmSync(work, { recursive: true, force: true }));
  const keyPrefix = freshPrefix('texset');
  onCleanup(async () =>
    console.log(`deleted ${await deleteKeys(redis.url, keyPrefix)} keys under ${keyPrefix}:`),
  );
  console.log(`generating a ${SIZE}² set of five PNG maps…`);
  const files = await generateSet(join(work, 'set'));

  const kiln = await startKiln({ redisUrl: redis.url, keyPrefix, dataDir: join(work, 'data') });
  let memory;
  onCleanup(async () => {
    memory ??= await kiln.stop();
  });
  const user = await signUp(kiln.baseUrl, 'texset');
  const socket = await connectSocket(kiln.baseUrl, user.token);
  onCleanup(() => socket.close());

  const runKiln = async () => {
    const t0 = performance.now();
    const response = await upload(kiln.baseUrl, user.token, files);
    const tUploaded = performance.now();
    const [asset] = expectStatus(response, 201, 'upload').assets;
    if (asset.kind !== 'texture-set') throw new Error(`grouped as ${asset.kind}`);
    const done = await socket.waitFor(
      (e) =>
        e.payload?.taskId === asset.taskId &&
        (e.name === 'task.succeeded' || e.name === 'task.failed'),
      300_000,
    );
    const tDone = performance.now();
    if (done.name !== 'task.succeeded')
      throw new Error(`task failed: ${JSON.stringify(done.payload)}`);
    const mine = socket.events.filter((e) => e.payload?.taskId === asset.taskId);
    const at = (event) => Date.parse(event.payload.at);
    let previous = at(mine.find((e) => e.name === 'task.started'));
    const steps = {};
    for (const event of mine.filter((e) => e.name === 'task.progress' && e.payload.outputs)) {
      steps[event.payload.step] = at(event) - previous;
      previous = at(event);
    }
    return { totalMs: tDone - t0, uploadMs: tUploaded - t0, steps };
  };
  const runBare = async (round) => {
    const out = join(work, `bare-${round}`);
    await mkdir(out, { recursive: true });
    const t0 = performance.now();
    await barePack(files, out);
    const t1 = performance.now();
    await bareVariants(files, out);
    const t2 = performance.now();
    return { pack: t1 - t0, variants: t2 - t1 };
  };

  console.log('warm-up: one Kiln task, one bare run');
  await runKiln();
  await runBare('warm');
  kiln.memory.mark('measured');
  const kilnRuns = [];
  const bareRuns = [];
  for (let round = 1; round <= ROUNDS; round++) {
    kilnRuns.push(await runKiln());
    bareRuns.push(await runBare(round));
    const k = kilnRuns.at(-1);
    console.log(
      `round ${round}: Kiln ${fmt(k.totalMs)} ms (${STEPS.map((s) => `${s} ${fmt(k.steps[s])}`).join(', ')}); bare pack ${fmt(bareRuns.at(-1).pack)}, variants ${fmt(bareRuns.at(-1).variants)}`,
    );
  }
  memory = await kiln.stop();
  const med = (values) => summarize(values).median;
  const rows = [
    ['upload → task.succeeded', fmt(med(kilnRuns.map((r) => r.totalMs))), '', ''],
    ['POST /uploads (5 × 4096² PNG)', fmt(med(kilnRuns.map((r) => r.uploadMs))), '', ''],
    ...STEPS.map((step) => {
      const kilnMs = med(kilnRuns.map((r) => r.steps[step]));
      const bare =
        step === 'pack' || step === 'variants' ? med(bareRuns.map((r) => r[step])) : undefined;
      return [
        `step ${step}`,
        fmt(kilnMs),
        bare === undefined ? '—' : fmt(bare),
        bare === undefined ? '—' : `${fmt(kilnMs / bare, 2)}×`,
      ];
    }),
  ];
  console.log(table(['median of rounds', 'Kiln (ms)', 'bare sharp (ms)', 'Kiln / bare'], rows));
  // Paired per round too: the shared machine's speed drifts between rounds.
  const paired = Object.fromEntries(
    ['pack', 'variants'].map((step) => [
      step,
      med(kilnRuns.map((r, i) => r.steps[step] / bareRuns[i][step])),
    ]),
  );
  console.log(
    `paired per round, median Kiln/bare: pack ${fmt(paired.pack, 2)}×, variants ${fmt(paired.variants, 2)}×`,
  );
  console.log(`Kiln peak RSS (VmHWM) ${memory.vmHwmMB} MB`);
  return { rounds: ROUNDS, size: SIZE, kilnRuns, bareRuns, paired, memory, rows };
});

writeResult('texture-set', { machine: machine(), build: buildAtStart, ...result });
