import { hostname } from 'node:os';
import { Job, Queue } from 'bullmq';
import { TASK_QUEUE } from '../../src/tasks/queue/task-queue.constants';
import { type RunningKiln, startKiln } from './kiln-app';
import { exitOf } from './process-exit';

/** Several Kiln processes on one Redis, one key prefix and one data dir, as on one host. */
export interface KilnCluster {
  apis: RunningKiln[];
  workers: RunningKiln[];
  keyPrefix: string;
  /** BullMQ's view of the task queue, to see which worker took a job. */
  queue: Queue;
  /** Starts one more worker process in the cluster. */
  addWorker(env?: Record<string, string>): Promise<RunningKiln>;
  /** The name of the worker (`<hostname>#<pid>`) that took the task's attempt, if one did. */
  processedBy(taskId: string, attempt?: number): Promise<string | undefined>;
  /** Signals every process still running, waits for them, then deletes the keys and files. */
  stop(): Promise<void>;
}

/** The name a worker process gives BullMQ (see `taskWorkerName`). */
export const workerNameOf = (kiln: RunningKiln): string => `${hostname()}#${kiln.process.pid}`;

/**
 * Starts `apis` API processes and `workers` worker processes. `env` goes to every process
 * (e.g. a `REDIS_URL` of the test's own), `workerEnv` to the workers on top.
 */
export async function startCluster(options: {
  apis: number;
  workers: number;
  env?: Record<string, string>;
  workerEnv?: Record<string, string>;
}): Promise<KilnCluster> {
  const env = options.env ?? {};
  const first = await startKiln({ ...env, KILN_ROLE: 'api' });
  const shared = { ...env, KILN_KEY_PREFIX: first.keyPrefix, KILN_DATA_DIR: first.dataDir };
  const apis = [first];
  const workers: RunningKiln[] = [];
  const addWorker = async (extra: Record<string, string> = {}) => {
    const worker = await startKiln({
      ...shared,
      ...options.workerEnv,
      ...extra,
      KILN_ROLE: 'worker',
    });
    workers.push(worker);
    return worker;
  };
  const queue = new Queue(TASK_QUEUE, {
    connection: { url: env.REDIS_URL ?? (process.env.REDIS_URL as string) },
    prefix: `${first.keyPrefix}:bull`,
  });
  // A test may stop Redis on purpose; the queue reconnects by itself, its errors are noise.
  queue.on('error', () => undefined);
  const cluster: KilnCluster = {
    apis,
    workers,
    keyPrefix: first.keyPrefix,
    queue,
    addWorker,
    async processedBy(taskId, attempt = 1) {
      const job = await Job.fromId(queue, `${taskId}.${attempt}`);
      return job?.processedBy;
    },
    async stop() {
      await queue.close();
      // The others share the first API's keys and data dir: only signalled; its stop() cleans up.
      const others = [...apis.slice(1), ...workers];
      for (const kiln of others) if (kiln.process.exitCode === null) kiln.process.kill('SIGTERM');
      await Promise.all(others.map((kiln) => exitOf(kiln.process)));
      await first.stop();
    },
  };
  try {
    for (let i = 1; i < options.apis; i++)
      apis.push(await startKiln({ ...shared, KILN_ROLE: 'api' }));
    for (let i = 0; i < options.workers; i++) await addWorker();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}
