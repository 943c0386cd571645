import { InjectQueue } from '@nestjs/bullmq';
import { HttpStatus } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Queue } from 'bullmq';
import { KilnError, NotFoundError } from '../../../errors/kiln-error';
import { TaskCancelRequests } from '../../cancel/task-cancel-requests';
import {
  RUN_TASK_JOB,
  TASK_JOB_OPTIONS,
  TASK_JOB_PRIORITY,
  TASK_QUEUE,
  type RunTaskJobData,
} from '../../queue/task-queue.constants';
import { TaskRepository } from '../../task.repository';
import { RetryTaskCommand } from './retry-task.command';

/**
 * Queues a failed or cancelled task again with a job of its own (`Task.retry`); no worker writes
 * a task that has ended, so saving it here races with nobody.
 */
@CommandHandler(RetryTaskCommand)
export class RetryTaskHandler implements ICommandHandler<RetryTaskCommand> {
  constructor(
    private readonly tasks: TaskRepository,
    private readonly cancelRequests: TaskCancelRequests,
    @InjectQueue(TASK_QUEUE) private readonly queue: Queue<RunTaskJobData>,
  ) {}

  async execute({ taskId, ownerId }: RetryTaskCommand): Promise<void> {
    const task = await this.tasks.load(taskId);
    if (!task || task.toSnapshot().ownerId !== ownerId) {
      throw new NotFoundError('TASK_NOT_FOUND', `No task ${taskId} of yours exists.`);
    }
    if (task.state !== 'failed' && task.state !== 'cancelled') {
      throw new KilnError(
        'TASK_NOT_RETRYABLE',
        `Task ${taskId} is ${task.state}; only a failed or cancelled task can be retried.`,
        HttpStatus.CONFLICT,
      );
    }
    // A cancel request left over from the last run must not stop the new one.
    await this.cancelRequests.clear(taskId);
    task.retry(new Date());
    // As for a new task: saved with its task.queued first; the start-up check adds a job the
    // process did not get to add.
    await this.tasks.save(task);
    // A retry asked for by hand is a re-run: it queues behind uploads (every job needs a priority,
    // or BullMQ would take it before all prioritized ones).
    await this.queue.add(
      RUN_TASK_JOB,
      { taskId },
      { ...TASK_JOB_OPTIONS, jobId: task.jobId, priority: TASK_JOB_PRIORITY.rerun },
    );
  }
}
