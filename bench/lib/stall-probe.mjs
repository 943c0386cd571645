/* eslint-disable @typescript-eslint/no-unsafe-member-access --
   Plain JavaScript run by node without a compile step: a GC entry's `detail` is untyped. */
// Where a latency spike came from: records, with epoch times, the main thread's event-loop stalls
// (a 1 ms timer that fired more than BENCH_STALL_MS late) and every GC (PerformanceObserver 'gc':
// kind and duration, main thread). Preloaded into a Kiln process (`node --import
// ./bench/lib/stall-probe.mjs dist/main.js` with BENCH_STALL_FILE set: the records are written as
// JSON on exit), or started in the bench's own process with startStallProbe(). It changes nothing
// in the app; the 1 ms timer costs the process ~1 % of a core.
import { writeFileSync } from 'node:fs';
import { constants, PerformanceObserver, performance } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

const GC_KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};
const epochMs = (t) => Math.round((performance.timeOrigin + t) * 100) / 100;

/** Starts recording; answers a function that returns the records so far and stops. */
export function startStallProbe(thresholdMs = 4) {
  const stalls = [];
  const gcs = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const lateMs = now - last - 1;
    if (lateMs > thresholdMs)
      stalls.push({ at: epochMs(last), ms: Math.round(lateMs * 100) / 100 });
    last = now;
  }, 1);
  timer.unref();
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      gcs.push({
        at: epochMs(entry.startTime),
        ms: Math.round(entry.duration * 100) / 100,
        kind: GC_KINDS[entry.detail?.kind] ?? String(entry.detail?.kind),
      });
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => {
    clearInterval(timer);
    observer.disconnect();
    return { pid: process.pid, stalls, gcs };
  };
}

const file = process.env.BENCH_STALL_FILE;
// Worker threads inherit --import; only the main thread is measured.
if (isMainThread && file) {
  const stop = startStallProbe(Number(process.env.BENCH_STALL_MS ?? 4));
  process.once('exit', () => writeFileSync(file, JSON.stringify(stop())));
}
