/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return --
   Plain JavaScript run by node without a compile step: values from JSON, IPC and sockets are
   untyped (`any`) to the type-aware rules, which are meant for the TypeScript sources. */
// Where Kiln's main thread spends its time under the small-image load of bench/throughput.mjs:
// runs the built app with --cpu-prof, N sessions × M uploads, then sums the main thread's
// self time by package (node_modules/<pkg>, or kiln:<module> for dist/<module>) and lists the
// top functions with the caller that led to them. Not part of run-all (profiling slows Kiln).
// `--large N`: instead, N 4096² PNG uploads one after another (bench/large-png.mjs' task path).
// `--threads`: also analyse every worker thread's profile (the piscina pool threads' JS).
// `--window MS`: analyse only the first MS ms after the uploads start (e.g. the burst of 100
// simultaneous first uploads that issue 11's API p99 probe runs into); add
// `--cpu-prof-interval` 100 µs sampling there, the default 1 ms is too coarse for it.
//
//   node bench/profile.mjs [--sessions 10] [--per 30] [--large N] [--threads] [--window MS]
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connectSocket, expectStatus, mapLimit, signUp, upload } from './lib/client.mjs';
import {
  argValue,
  assertBuilt,
  deleteKeys,
  FIXTURES,
  freshPrefix,
  freshTempDir,
  locateRedis,
  withCleanup,
} from './lib/env.mjs';
import { generatePng } from './lib/image-work.mjs';
import { startKiln } from './lib/kiln.mjs';
import { fmt, table } from './lib/stats.mjs';

const SESSIONS = Number(argValue('--sessions') ?? 10);
const PER = Number(argValue('--per') ?? 30);
const LARGE = Number(argValue('--large') ?? 0);
const THREADS = process.argv.includes('--threads');
const WINDOW_MS = argValue('--window') === undefined ? undefined : Number(argValue('--window'));

assertBuilt();
await withCleanup(async (onCleanup) => {
  const redis = await locateRedis();
  if (redis.stop) onCleanup(() => redis.stop());
  const work = freshTempDir('profile');
  onCleanup(() => rmSync(work, { recursive: true, force: true }));
  const keyPrefix = freshPrefix('prof');
  onCleanup(async () =>
    console.log(`deleted ${await deleteKeys(redis.url, keyPrefix)} keys under ${keyPrefix}:`),
  );
  const fixture = join(FIXTURES, 'image', 'CesiumLogoFlat.png');
  const image = LARGE
    ? (await generatePng(join(work, 'large.png'), 4096)).path
    : existsSync(fixture)
      ? fixture
      : (await generatePng(join(work, 'small.png'), 256)).path;
  const profDir = join(work, 'cpuprofile');
  const kiln = await startKiln({
    redisUrl: redis.url,
    keyPrefix,
    dataDir: join(work, 'data'),
    nodeArgs: [
      '--cpu-prof',
      '--cpu-prof-dir',
      profDir,
      ...(WINDOW_MS === undefined ? [] : ['--cpu-prof-interval', '100']),
    ],
  });
  let stopped = false;
  onCleanup(async () => {
    if (!stopped) await kiln.stop();
  });
  const sessions = await mapLimit(Array.from({ length: SESSIONS }), 4, async (_, i) => {
    const user = await signUp(kiln.baseUrl, `prof${i}x`);
    return { user, socket: await connectSocket(kiln.baseUrl, user.token) };
  });
  const t0 = performance.now();
  // The profile's timestamps are µs on the monotonic clock, as process.hrtime is (both processes).
  const windowUs =
    WINDOW_MS === undefined
      ? undefined
      : { from: Number(process.hrtime.bigint() / 1000n), ms: WINDOW_MS };
  const perSession = LARGE || PER;
  await Promise.all(
    sessions.slice(0, LARGE ? 1 : SESSIONS).map(async ({ user, socket }) => {
      const ids = [];
      for (let i = 0; i < perSession; i++) {
        const response = await upload(kiln.baseUrl, user.token, [
          { path: image, filename: 'p.png' },
        ]);
        ids.push(expectStatus(response, 201, 'upload').assets[0].taskId);
        if (LARGE)
          await socket.waitFor(
            (e) => e.name === 'task.succeeded' && e.payload.taskId === ids.at(-1),
            120_000,
          );
      }
      for (const id of ids)
        await socket.waitFor(
          (e) => e.name === 'task.succeeded' && e.payload.taskId === id,
          120_000,
        );
      socket.close();
    }),
  );
  const ms = performance.now() - t0;
  const tasks = LARGE || SESSIONS * PER;
  console.log(
    `${tasks} tasks in ${fmt(ms)} ms (${fmt(tasks / (ms / 1000), 1)} tasks/s, slowed by profiling)`,
  );
  await kiln.stop();
  stopped = true;

  const files = readdirSync(profDir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(profDir, f));
  const mainProfile = files.find((f) => /\.0\.\d+\.cpuprofile$/.test(f)); // thread 0 = the main thread
  for (const file of THREADS ? files : [mainProfile]) report(file, file === mainProfile, windowUs);
});

function report(file, isMain, window) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const { byPackage, top, busyMs } = analyse(profile, window);
  if (!isMain && busyMs < 50) return; // a thread that hardly ran (e.g. an idle pool thread)
  const thread = isMain ? 'main thread' : `thread ${/\.(\d+)\.\d+\.cpuprofile$/.exec(file)?.[1]}`;
  const span = window
    ? `in the first ${window.ms} ms of the uploads`
    : 'over the whole run (start-up included)';
  console.log(`\n${thread} busy ${fmt(busyMs)} ms ${span}\n`);
  console.log(
    table(
      ['package', 'self ms', '%'],
      byPackage.slice(0, 20).map(([k, v]) => [k, fmt(v), fmt((v / busyMs) * 100, 1)]),
    ),
  );
  console.log(
    `\n${table(
      ['function', 'self ms', 'reached from'],
      top.slice(0, 20).map(([k, v, via]) => [k, fmt(v), via]),
    )}`,
  );
}

function analyse(profile, window) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const pkgOf = (url) => {
    if (!url) return undefined;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (pkg) return pkg[1];
    const ours = /\/dist\/([^/]+)/.exec(url);
    if (ours) return `kiln:${ours[1].replace(/\.js$/, '')}`;
    return undefined;
  };
  const packages = new Map();
  const functions = new Map();
  let busyMs = 0;
  let at = profile.startTime;
  profile.samples.forEach((sample, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.from || at > window.from + window.ms * 1000)) return;
    const node = byId.get(sample);
    const name = node.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') return;
    busyMs += dt;
    let id = sample;
    let pkg;
    let via;
    while (id !== undefined) {
      const frame = byId.get(id).callFrame;
      const p = pkgOf(frame.url);
      if (p && !pkg) pkg = p;
      if (p?.startsWith('kiln:') && !via) via = `${frame.functionName || '(anonymous)'} (${p})`;
      if (pkg && via) break;
      id = parent.get(id);
    }
    pkg ??= name.startsWith('(') ? name : 'node core / native';
    packages.set(pkg, (packages.get(pkg) ?? 0) + dt);
    const key = `${name} [${pkgOf(node.callFrame.url) ?? (node.callFrame.url.split('/').pop() || 'native')}]`;
    const entry = functions.get(key) ?? { ms: 0, via: new Map() };
    entry.ms += dt;
    entry.via.set(via ?? '-', (entry.via.get(via ?? '-') ?? 0) + dt);
    functions.set(key, entry);
  });
  const byPackage = [...packages].sort((a, b) => b[1] - a[1]);
  const top = [...functions]
    .sort((a, b) => b[1].ms - a[1].ms)
    .map(([k, e]) => [k, e.ms, [...e.via].sort((a, b) => b[1] - a[1])[0][0]]);
  return { byPackage, top, busyMs };
}
