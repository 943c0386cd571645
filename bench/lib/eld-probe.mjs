// Preloaded into a Kiln process by the latency bench (`node --import ./bench/lib/eld-probe.mjs
// dist/main.js`); it changes nothing in the app. It measures the main thread's event-loop delay
// with perf_hooks.monitorEventLoopDelay (10 ms resolution). On SIGUSR2 it appends the histogram
// since the previous SIGUSR2 as one JSON line to $BENCH_ELD_FILE, then resets it. The histogram
// records the time between ticks of a 10 ms timer, so the delay is that time minus 10 ms.
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

const file = process.env.BENCH_ELD_FILE;

// Worker threads inherit --import; only the main thread (the API's event loop) is measured.
if (isMainThread && file) {
  const RESOLUTION_MS = 10;
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  const ms = (ns) => Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 100) / 100);
  process.on('SIGUSR2', () => {
    const line = {
      at: Date.now(),
      count: histogram.count,
      minMs: ms(histogram.min),
      meanMs: ms(histogram.mean),
      p50Ms: ms(histogram.percentile(50)),
      p90Ms: ms(histogram.percentile(90)),
      p99Ms: ms(histogram.percentile(99)),
      maxMs: ms(histogram.max),
    };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
    histogram.reset();
  });
}
