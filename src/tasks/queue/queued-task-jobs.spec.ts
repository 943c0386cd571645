import { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { cleanUpTestRedis, connectTestRedis } from '../../../test/support/test-redis';
import { loadConfig } from '../../config/kiln-config';
import { RedisKeys } from '../../redis/redis-keys';
import { Task } from '../domain/task.aggregate';
import { TaskRepository } from '../task.repository';
import { QueuedTaskJobs } from './queued-task-jobs';
import {
  RUN_TASK_JOB,
  TASK_JOB_OPTIONS,
  TASK_JOB_PRIORITY,
  TASK_QUEUE,
  type RunTaskJobData,
} from './task-queue.constants';

describe('QueuedTaskJobs: the start-up check (real Redis, real BullMQ queue)', () => {
  let redis: Redis;
  let keyPrefix: string;
  let tasks: TaskRepository;
  let queue: Queue<RunTaskJobData>;
  let check: QueuedTaskJobs;
  let counter = 0;

  beforeAll(() => {
    ({ redis, keyPrefix } = connectTestRedis());
    const keys = new RedisKeys(keyPrefix);
    tasks = new TaskRepository(redis, keys, loadConfig({}));
    queue = new Queue<RunTaskJobData>(TASK_QUEUE, {
      connection: { url: process.env.REDIS_URL },
      prefix: keys.bullPrefix,
    });
    check = new QueuedTaskJobs(tasks, redis, queue);
  });
  afterAll(async () => {
    await queue.close();
    await cleanUpTestRedis(redis, keyPrefix);
  });

  /** A task saved as queued, as StartTaskHandler saves it before it adds the job. */
  async function savedQueuedTask(): Promise<Task> {
    counter += 1;
    const task = Task.queue(
      {
        id: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
        assetId: 'asset-1',
        ownerId: 'user-1',
        sessionId: 'session-1',
        kind: 'image',
        type: 'process',
        options: {},
      },
      new Date(),
    );
    await tasks.save(task);
    return task;
  }

  it('adds the job of a queued task that has none (the process stopped between save and add)', async () => {
    const orphan = await savedQueuedTask();
    expect(await queue.getJob(orphan.jobId)).toBeUndefined();

    expect(await check.addMissingJobs()).toEqual([orphan.id]);

    const job = await queue.getJob(orphan.jobId);
    expect(job).toMatchObject({
      id: `${orphan.id}.1`,
      name: RUN_TASK_JOB,
      data: { taskId: orphan.id },
      opts: expect.objectContaining({
        attempts: TASK_JOB_OPTIONS.attempts,
        priority: TASK_JOB_PRIORITY.upload,
      }),
    });
    expect(await job?.getState()).toBe('prioritized');
  });

  it('leaves alone a queued task that has its job, and adds nothing twice', async () => {
    const task = await savedQueuedTask();
    await queue.add(
      RUN_TASK_JOB,
      { taskId: task.id },
      { ...TASK_JOB_OPTIONS, jobId: task.jobId, priority: TASK_JOB_PRIORITY.rerun },
    );
    const before = await queue.getJob(task.jobId);

    expect(await check.addMissingJobs()).toEqual([]);
    expect(await check.addMissingJobs()).toEqual([]);

    expect((await queue.getJob(task.jobId))?.timestamp).toBe(before?.timestamp);
    expect(await queue.getJobCounts('prioritized')).toEqual({ prioritized: 2 });
  });

  it('adds no job for a task that is no longer queued', async () => {
    const task = await savedQueuedTask();
    task.start(new Date());
    await tasks.save(task);
    expect(await check.addMissingJobs()).toEqual([]);
    expect(await queue.getJob(task.jobId)).toBeUndefined();
  });

  it('adds the job of a retried task’s new run, beside the kept job of its failed run', async () => {
    const task = await savedQueuedTask();
    await queue.add(RUN_TASK_JOB, { taskId: task.id }, { ...TASK_JOB_OPTIONS, jobId: task.jobId });
    task.start(new Date());
    task.fail({ code: 'MESH_EMPTY', message: 'no triangle' }, false, new Date());
    task.retry(new Date());
    await tasks.save(task);

    expect(await check.addMissingJobs()).toEqual([task.id]);

    expect(await queue.getJob(`${task.id}.2`)).toMatchObject({ data: { taskId: task.id } });
    expect(await queue.getJob(`${task.id}.1`)).toBeDefined();
  });
});
