/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access --
   Plain JavaScript run by node without a compile step: values from JSON are untyped. */
// Prints the markdown table of a bench/realtime result: node bench/realtime/table.mjs [name]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESULTS_DIR } from '../lib/env.mjs';

const name = process.argv[2] ?? 'realtime';
const { results } = JSON.parse(readFileSync(join(RESULTS_DIR, `${name}.json`), 'utf8'));
const cell = (value) => (value === undefined || value === null ? '—' : String(value));
const lat = (r) =>
  r.latencyMs?.p50 === undefined
    ? '—'
    : `${r.latencyMs.p50} / ${r.latencyMs.p95} / ${r.latencyMs.p99}`;
const audit = (r) => {
  if (!r.audit) return '—';
  const a = r.audit;
  const wrong = a.wrongSession ?? a.leaked_events;
  const missing = (a.missing ?? a.missing_progress) + (a.endsMissing ?? a.done_missing ?? 0);
  const dup = a.duplicated ?? (a.dup_progress ?? 0) + (a.done_dup ?? 0);
  return `${wrong} / ${missing} / ${dup}${a.outOfOrder !== undefined ? ` / ${a.outOfOrder}` : ''}`;
};
const cpu = (r) =>
  r.cpuMsPerTask
    ? Object.entries(r.cpuMsPerTask)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')
    : '—';
console.log(
  '| run | S × T | tasks/s | events/s (K+1 a task) | event latency p50 / p95 / p99 ms | request → end p50 / p99 ms | wrong / missing / dup / order | CPU ms a task | Redis cmds a task | foreign CPU % |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of results) {
  if (r.error) {
    console.log(`| ${r.system} S${r.sessions} | — | did not run: ${r.error.slice(0, 80)} |`);
    continue;
  }
  console.log(
    `| ${r.label} | ${r.sessions} × ${r.tasks / r.sessions} | ${cell(r.tasksPerSec)} | ${cell(r.eventsPerSec)} | ${lat(r)} | ${r.requestToEndMs?.p50 === undefined ? '—' : `${Math.round(r.requestToEndMs.p50)} / ${Math.round(r.requestToEndMs.p99)}`} | ${audit(r)} | ${cpu(r)} | ${cell(r.redisCommandsPerTask)} | ${cell(r.foreignCpuPct)} |`,
  );
}
