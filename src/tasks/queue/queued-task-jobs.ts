import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { REDIS } from '../../redis/redis.tokens';
import type { TaskSnapshot } from '../domain/task.aggregate';
import { TaskRepository } from '../task.repository';
import {
  RUN_TASK_JOB,
  TASK_JOB_OPTIONS,
  TASK_JOB_PRIORITY,
  TASK_QUEUE,
  type RunTaskJobData,
} from './task-queue.constants';

/** Queued tasks checked per round trip. */
const BATCH = 500;

/**
 * A new task is saved (with its `task.queued` event), then its job is added: two writes, since
 * BullMQ adds jobs in scripts of its own. A process that stops between the two leaves a queued
 * task that no worker will ever take. So at start-up every process re-adds the job of each
 * queued task that has none. The job id is the run's (`Task.jobId`), so a job added twice (by two processes
 * starting at once, or by this check and a request still on its way) is one job; and a job run
 * again for a task that already ended does nothing (TaskRunner).
 */
@Injectable()
export class QueuedTaskJobs implements OnApplicationBootstrap {
  private readonly logger = new Logger(QueuedTaskJobs.name);

  constructor(
    private readonly tasks: TaskRepository,
    @Inject(REDIS) private readonly redis: Redis,
    @InjectQueue(TASK_QUEUE) private readonly queue: Queue<RunTaskJobData>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const added = await this.addMissingJobs();
    if (added.length > 0)
      this.logger.warn(
        `Added the missing job of ${added.length} queued task(s): ${added.join(', ')}`,
      );
  }

  /** Adds the job of every queued task that has none; answers their ids. */
  async addMissingJobs(): Promise<string[]> {
    // All at once, not page by page: tasks leaving the set meanwhile would shift the pages.
    const ids = await this.tasks.queuedTaskIds();
    const added: string[] = [];
    for (let start = 0; start < ids.length; start += BATCH) {
      const batch = (await this.tasks.findMany(ids.slice(start, start + BATCH))).filter(
        (task) => task.state === 'queued',
      );
      const pipeline = this.redis.pipeline();
      for (const task of batch) pipeline.exists(this.queue.toKey(jobIdOf(task)));
      const exists = (await pipeline.exec()) ?? [];
      const failed = exists.find(([error]) => error)?.[0];
      if (failed) throw failed;
      for (const [index, task] of batch.entries()) {
        if (exists[index][1] !== 0) continue;
        // Which path queued the task is not recorded; someone may be waiting for it, and it is
        // late already, so it gets the uploads' priority.
        await this.queue.add(
          RUN_TASK_JOB,
          { taskId: task.id },
          { ...TASK_JOB_OPTIONS, jobId: jobIdOf(task), priority: TASK_JOB_PRIORITY.upload },
        );
        added.push(task.id);
      }
    }
    return added;
  }
}

/** As `Task.jobId`: records saved before runs had jobs of their own use the task id. */
const jobIdOf = (task: TaskSnapshot) => task.jobId ?? task.id;
