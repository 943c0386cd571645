import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { KILN_CONFIG, type KilnConfig } from '../../config/kiln-config';
import { TASK_QUEUE, type RunTaskJobData } from '../queue/task-queue.constants';
import { TaskRunner } from './task-runner';

/** The BullMQ worker of the task queue: hands each job to the TaskRunner. */
@Processor(TASK_QUEUE)
export class TaskProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly runner: TaskRunner,
    @Inject(KILN_CONFIG) private readonly config: KilnConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    // The decorator's options are fixed at import time; concurrency comes from the config.
    this.worker.concurrency = this.config.workerConcurrency;
  }

  async process(job: Job<RunTaskJobData>, _token?: string, signal?: AbortSignal): Promise<void> {
    await this.runner.run(job.data.taskId, {
      attemptsMade: job.attemptsMade,
      maxAttempts: job.opts.attempts ?? 1,
      signal: signal ?? new AbortController().signal,
    });
  }
}
