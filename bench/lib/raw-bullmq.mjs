/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return --
   Plain JavaScript run by node without a compile step: values from JSON, IPC and sockets are
   untyped (`any`) to the type-aware rules, which are meant for the TypeScript sources. */
// The raw baseline of the throughput bench: a bare BullMQ Queue + Worker in one process, no
// HTTP, no CQRS, no read model, no relay. The processor does the same sharp work as Kiln's image
// pipeline (processTask() in bench/lib/image-work.mjs), either directly in this process
// (MODE=direct: sharp's work runs on libuv's threads, so the event loop stays free) or, like Kiln,
// on a piscina pool of CONCURRENCY threads (MODE=piscina): one pool call per task when the build
// runs a task's steps in one call (shared decode), else one call per step.
//
// Env: REDIS_URL, BULL_PREFIX, CONCURRENCY, MODE, WORK_ROOT. IPC in:
// { id, runId, sessions, perSession, input }; out: { id, tasks, ms, tasksPerSec }.
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue, Worker } from 'bullmq';
import { Piscina } from 'piscina';
import { requireFromRepo } from './env.mjs';
import { loadImageSettings, processTask, STEP_NAMES } from './image-work.mjs';

const { REDIS_URL, BULL_PREFIX, MODE = 'direct', WORK_ROOT } = process.env;
const CONCURRENCY = Number(process.env.CONCURRENCY);
const { TASK_QUEUE, RUN_TASK_JOB, TASK_JOB_OPTIONS } = requireFromRepo(
  './dist/tasks/queue/task-queue.constants.js',
);
const settings = loadImageSettings();
const connection = { url: REDIS_URL, maxRetriesPerRequest: null };

const pool =
  MODE === 'piscina'
    ? new Piscina({
        filename: fileURLToPath(new URL('./raw-step-worker.mjs', import.meta.url)),
        minThreads: CONCURRENCY,
        maxThreads: CONCURRENCY,
      })
    : undefined;

async function processJob(input, workDir) {
  if (!pool) return processTask(input, workDir, settings);
  if (settings.sharedDecode) return pool.run({ input, workDir, settings });
  for (const step of STEP_NAMES) await pool.run({ step, input, workDir, settings });
}

const queue = new Queue(TASK_QUEUE, { connection, prefix: BULL_PREFIX });
const worker = new Worker(
  TASK_QUEUE,
  async (job) => {
    const t0 = performance.now();
    const workDir = await mkdtemp(join(WORK_ROOT, 'raw-'));
    try {
      await processJob(job.data.input, workDir);
    } finally {
      await rm(workDir, { recursive: true, force: true });
      slotMs.push(performance.now() - t0);
    }
  },
  { connection, prefix: BULL_PREFIX, concurrency: CONCURRENCY },
);

/** How long each job held a worker slot (its processor's run), for the report. */
let slotMs = [];
const waiting = new Map();
const finished = new Set();
worker.on('completed', (job) => {
  const resolve = waiting.get(job.id);
  if (resolve) {
    waiting.delete(job.id);
    resolve();
  } else finished.add(job.id);
});
worker.on('failed', (job, error) => {
  console.error(`raw job ${job?.id} failed: ${error.message}`);
});
const completion = (jobId) =>
  finished.delete(jobId)
    ? Promise.resolve()
    : new Promise((resolve) => waiting.set(jobId, resolve));

/** Like the Kiln clients: each session adds its jobs one by one, then waits for all of them. */
async function run({ runId, sessions, perSession, input }) {
  slotMs = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: sessions }, async (_, s) => {
      const done = [];
      for (let i = 0; i < perSession; i++) {
        const jobId = `${runId}-${s}-${i}`;
        done.push(completion(jobId));
        await queue.add(RUN_TASK_JOB, { input }, { ...TASK_JOB_OPTIONS, jobId });
      }
      await Promise.all(done);
    }),
  );
  const ms = performance.now() - t0;
  const tasks = sessions * perSession;
  return { tasks, ms, tasksPerSec: tasks / (ms / 1000), slotMs };
}

await worker.waitUntilReady();
process.on('message', (message) => {
  run(message).then(
    (result) => process.send({ id: message.id, ...result }),
    (error) => process.send({ id: message.id, error: String(error?.stack ?? error) }),
  );
});
process.on('disconnect', () => {
  void Promise.allSettled([worker.close(), queue.close(), pool?.close()]).finally(() =>
    process.exit(0),
  );
});
process.send({ ready: true });
