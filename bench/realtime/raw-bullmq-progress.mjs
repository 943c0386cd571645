/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access --
   Plain JavaScript run by node without a compile step: values from JSON and IPC are untyped. */
// Baseline "raw BullMQ" of bench/realtime: a bare Queue + Worker in one process, the work of
// Kiln's bench step: a job reports K progress updates (job.updateProgress, each a Redis script)
// and completes. Same concurrency as Kiln's worker, same load shape as the Kiln clients (S
// "sessions", tasks added round-robin with 16 adds in flight). No HTTP, no read model, no relay.
//
// Env: REDIS_URL, BULL_PREFIX, CONCURRENCY. IPC in: { id, sessions, perSession, k }; out:
// { id, tasks, ms, tasksPerSec, doneMs: [request → completed per job] }.
import { Queue, Worker } from 'bullmq';

const { REDIS_URL, BULL_PREFIX } = process.env;
const CONCURRENCY = Number(process.env.CONCURRENCY);
const connection = { url: REDIS_URL, maxRetriesPerRequest: null };
const QUEUE = 'raw-progress';

const queue = new Queue(QUEUE, { connection, prefix: BULL_PREFIX });
const worker = new Worker(
  QUEUE,
  async (job) => {
    for (let tick = 1; tick <= job.data.k; tick++) await job.updateProgress(tick);
  },
  { connection, prefix: BULL_PREFIX, concurrency: CONCURRENCY },
);
const waiting = new Map();
worker.on('completed', (job) => {
  waiting.get(job.id)?.();
  waiting.delete(job.id);
});
worker.on('failed', (job, error) => console.error(`raw job ${job?.id} failed: ${error.message}`));

let runs = 0;
async function run({ sessions, perSession, k }) {
  const runId = `r${runs++}`;
  const total = sessions * perSession;
  const doneMs = [];
  const t0 = performance.now();
  const all = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < total) {
        const n = next++;
        const jobId = `${runId}-${n % sessions}-${n}`;
        const requested = performance.now();
        all.push(
          new Promise((resolve) =>
            waiting.set(jobId, () => {
              doneMs.push(performance.now() - requested);
              resolve();
            }),
          ),
        );
        await queue.add('bench', { k }, { jobId, removeOnComplete: true, removeOnFail: true });
      }
    }),
  );
  await Promise.all(all);
  const ms = performance.now() - t0;
  return { tasks: total, ms, tasksPerSec: total / (ms / 1000), doneMs };
}

await worker.waitUntilReady();
process.on('message', (message) => {
  run(message).then(
    (result) => process.send({ id: message.id, ...result }),
    (error) => process.send({ id: message.id, error: String(error?.stack ?? error) }),
  );
});
process.on('disconnect', () => {
  void Promise.allSettled([worker.close(), queue.close()]).finally(() => process.exit(0));
});
process.send({ ready: true });
