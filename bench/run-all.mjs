/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return --
   Plain JavaScript run by node without a compile step: values from JSON, IPC and sockets are
   untyped (`any`) to the type-aware rules, which are meant for the TypeScript sources. */
// Runs the three benches one after another (each starts its own Kiln from dist/), then prints
// the targets table and writes it to bench/results/summary.md. `npm run bench` builds first.
//
//   node bench/run-all.mjs [--only large-png,throughput,api-latency]
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertBuilt, machine, RESULTS_DIR } from './lib/env.mjs';
import { fmt, table } from './lib/stats.mjs';

const BENCHES = ['large-png', 'throughput', 'api-latency'];
const only = process.argv.includes('--only')
  ? process.argv[process.argv.indexOf('--only') + 1].split(',')
  : BENCHES;
const MEMORY_TARGET_MB = 1536;

assertBuilt();
const started = Date.now();
const failures = [];
for (const name of BENCHES.filter((b) => only.includes(b))) {
  console.log(`\n######## ${name} ########`);
  rmSync(join(RESULTS_DIR, `${name}.json`), { force: true }); // no stale result in the summary
  const t0 = Date.now();
  const code = await new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL(`./${name}.mjs`, import.meta.url))],
      { stdio: 'inherit' },
    );
    const kill = () => child.kill('SIGTERM');
    process.once('SIGINT', kill);
    child.once('exit', (exitCode) => {
      process.off('SIGINT', kill);
      resolve(exitCode);
    });
  });
  console.log(`######## ${name}: exit ${code} after ${fmt((Date.now() - t0) / 1000)} s`);
  if (code !== 0) failures.push(name);
}

const load = (name) => {
  const path = join(RESULTS_DIR, `${name}.json`);
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
};
const png = load('large-png');
const tput = load('throughput');
const lat = load('api-latency');
const rows = [];
const verdict = (met) => (met ? 'met' : 'NOT met');
if (png) {
  rows.push([
    '1. 4096² PNG, upload → task.succeeded vs bare sharp',
    '≤ 1.15×',
    `${fmt(png.ratio, 2)}× (Kiln ${fmt(png.summary.kilnTotalMs.median)} ms vs bare ${fmt(png.summary.bareTotalMs.median)} ms, medians of ${png.rounds.length})`,
    verdict(png.target.met),
  ]);
}
if (tput) {
  for (const [count, s] of Object.entries(tput.summary)) {
    rows.push([
      `2. small-image throughput, ${count} sessions vs raw BullMQ`,
      '≥ 0.8×',
      `${fmt(s.ratio, 2)}× (Kiln ${fmt(s.kiln.median, 1)} vs raw ${fmt(s.rawDirect.median, 1)} tasks/s)`,
      verdict(s.ratio >= tput.target.ratio),
    ]);
  }
  const a = tput.audit;
  rows.push([
    '2. events: lost / duplicated / misrouted / out of order',
    '0 / 0 / 0 / 0',
    `${a.lost} / ${a.duplicated} / ${a.misrouted} / ${a.outOfOrder} (${a.events} events, ${a.tasks} tasks, ${a.sessions} sockets)`,
    verdict(tput.target.eventsOk),
  ]);
}
if (lat) {
  for (const run of lat.runs) {
    rows.push([
      `3. API p99 under load (${{ all: 'all-in-one', split: 'API + worker processes', 'split-nice': 'API + worker at nice 10' }[run.mode]})`,
      '< 50 ms',
      `GET /tasks/:id ${fmt(run.worstLoadedP99.tasks, 1)} ms, GET /health ${fmt(run.worstLoadedP99.health, 1)} ms, GET /assets/:id ${fmt(run.worstLoadedP99.assets, 1)} ms`,
      verdict(run.target.met),
    ]);
  }
}
const peaks = [];
if (png) peaks.push(['large-png', png.memory.vmHwmMB]);
if (tput) peaks.push(['throughput', tput.memory.vmHwmMB]);
if (lat)
  for (const run of lat.runs)
    for (const [role, m] of Object.entries(run.memory))
      peaks.push([`api-latency ${run.mode}/${role}`, m.vmHwmMB]);
if (peaks.length > 0) {
  const worst = Math.max(...peaks.map(([, mb]) => mb));
  rows.push([
    '4. peak Kiln RSS (VmHWM)',
    '< 1.5 GB',
    peaks.map(([name, mb]) => `${name} ${fmt(mb)} MB`).join(', '),
    verdict(worst < MEMORY_TARGET_MB),
  ]);
}
const m = machine();
const build = png?.build ?? tput?.build ?? lat?.build;
const foreign = [
  png && `large-png ${fmt(png.maxForeignCpuPct)}%`,
  tput && `throughput ${fmt(tput.maxForeignCpuPct)}%`,
  ...(lat?.runs ?? []).map((run) => `api-latency ${run.mode} ${fmt(run.maxForeignCpuPct)}%`),
].filter(Boolean);
const rebuilt = [png, tput, lat].some((r) => r?.distRebuiltDuringRun);
const summary =
  `Kiln benchmarks, ${new Date().toISOString()}, ${m.cpu} × ${m.cores}, ${m.memGB} GB, Node ${m.node}; ` +
  `build of ${build?.commit} "${build?.subject}"${build?.srcDirty ? ' (src/ has uncommitted changes)' : ''}` +
  `${build?.srcNewerThanDist ? ' — WARNING: src/ is newer than dist/' : ''}${rebuilt ? ' — WARNING: dist/ was rebuilt during a bench' : ''}\n\n` +
  `${table(['target', 'goal', 'measured', 'verdict'], rows)}\n\n` +
  `Other load on the machine (CPU not used by the bench's processes, worst phase): ${foreign.join(', ')}\n`;
writeFileSync(join(RESULTS_DIR, 'summary.md'), summary);
console.log(`\n${summary}`);
console.log(
  `all benches: ${fmt((Date.now() - started) / 1000)} s${failures.length ? `; FAILED: ${failures.join(', ')}` : ''}`,
);
process.exit(failures.length ? 1 : 0);
