/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return --
   Plain JavaScript run by node without a compile step: values from worker messages are untyped
   (`any`) to the type-aware rules, which are meant for the TypeScript sources. */
// Issue 11's API latency probe: callers of `GET /tasks/:id` and `GET /health`, each calling every
// 50 ms as a dashboard would poll, in a worker thread of the bench process. A dashboard is not the
// process that uploads: on the load generator's own event loop (100 sessions' uploads and
// sockets) a call also waited for the generator's stalls, up to ~100 ms at the start of a burst,
// which is no latency of the API. Paced, not closed-loop, so the probe itself does not take the
// CPU the throughput is measured on.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { call } from './client.mjs';
import { sleep } from './env.mjs';

const PERIOD_MS = 50;

/**
 * Starts probing `baseUrl` as `token`: `GET /tasks/<taskId>` and `GET /health`. `stop()` answers
 * every call's latency in ms (calls that answered 5xx left out).
 */
export function startApiProbe({ baseUrl, token, taskId }) {
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { baseUrl, token, paths: [`/tasks/${taskId}`, '/health'] },
  });
  const done = new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    async stop() {
      worker.postMessage('stop');
      const latencies = await done;
      await worker.terminate();
      return latencies;
    },
  };
}

if (!isMainThread && workerData?.paths) {
  const { baseUrl, token, paths } = workerData;
  const latencies = [];
  let running = true;
  parentPort.once('message', () => (running = false));
  const loop = async (path) => {
    while (running) {
      const response = await call(baseUrl, 'GET', path, { token });
      if (response.status < 500) latencies.push(response.ms);
      await sleep(PERIOD_MS);
    }
  };
  await Promise.all(paths.map(loop));
  parentPort.postMessage(latencies);
}
