/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access --
   Plain JavaScript run by node without a compile step: the built modules are untyped (`any`) to
   the type-aware rules, which are meant for the TypeScript sources. */
// Substance archives: the time of `inspect` + `render` on each .sbsar fixture, as a `process` task
// runs them in its worker thread (one opening of the archive shared by both steps), and the parts:
// opening (header check, 7-Zip instance, listing, manifest extraction and parsing), inspect,
// render. Runs the built code (dist/) in this process; no Redis, no HTTP.
//
//   node bench/substance.mjs [--rounds 9]
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  argValue,
  assertBuilt,
  buildInfo,
  FIXTURES,
  machine,
  REPO_ROOT,
  requireFromRepo,
  writeResult,
} from './lib/env.mjs';
import { fmt, summarize, table } from './lib/stats.mjs';

const ROUNDS = Number(argValue('--rounds') ?? 9);

assertBuilt();
const steps = requireFromRepo(join(REPO_ROOT, 'dist/processing/substance/substance.steps.js'));
const ctx = { signal: new AbortController().signal, progress: () => undefined };
const dir = join(FIXTURES, 'substance');

const rows = [];
const results = {};
const cold = {};
for (const name of readdirSync(dir).sort()) {
  const times = { open: [], inspect: [], render: [], total: [] };
  for (let round = 0; round < ROUNDS + 1; round += 1) {
    const root = mkdtempSync(join(tmpdir(), 'kiln-bench-substance-'));
    const request = (step) => ({
      kind: 'substance',
      step,
      inputDir: dir,
      primary: name,
      outputsDir: join(root, 'outputs'),
      workDir: root,
      options: {},
    });
    const t0 = performance.now();
    const source = await steps.openSbsarSource(request('inspect'));
    const t1 = performance.now();
    await steps.inspectSubstance(request('inspect'), ctx, source);
    const t2 = performance.now();
    await steps.renderSubstance(request('render'), ctx, source);
    const t3 = performance.now();
    rmSync(root, { recursive: true, force: true });
    if (round === 0) {
      cold[name] = t3 - t0; // the first WebAssembly compile (first fixture only), sharp's and librsvg's start
      continue;
    }
    times.open.push(t1 - t0);
    times.inspect.push(t2 - t1);
    times.render.push(t3 - t2);
    times.total.push(t3 - t0);
  }
  const s = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, summarize(v)]));
  results[name] = s;
  rows.push([
    name,
    fmt(s.open.median),
    fmt(s.inspect.median),
    fmt(s.render.median),
    `${fmt(s.total.median)} (${fmt(s.total.min)}–${fmt(s.total.max)})`,
    fmt(cold[name]),
  ]);
}

console.log(`Substance inspect + render, median of ${ROUNDS} rounds after a warm-up, ms`);
console.log(table(['fixture', 'open', 'inspect', 'render', 'total (min–max)', 'first run'], rows));
const path = writeResult('substance', {
  machine: machine(),
  build: buildInfo(),
  rounds: ROUNDS,
  results,
});
console.log(`\n${path}`);
