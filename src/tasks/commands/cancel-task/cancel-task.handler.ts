import { InjectQueue } from '@nestjs/bullmq';
import { HttpStatus } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Queue } from 'bullmq';
import { FINAL_TASK_STATES, type TaskState } from '../../../contract';
import { KilnError, NotFoundError } from '../../../errors/kiln-error';
import { TaskCancelRequests } from '../../cancel/task-cancel-requests';
import type { Task } from '../../domain/task.aggregate';
import { TASK_QUEUE, type RunTaskJobData } from '../../queue/task-queue.constants';
import { TaskRepository } from '../../task.repository';
import { CancelTaskCommand } from './cancel-task.command';

const isFinal = (state: TaskState) => (FINAL_TASK_STATES as readonly TaskState[]).includes(state);

/**
 * Removes the task's job when no worker holds it (BullMQ refuses to remove a locked job), and
 * then ends the task here: no worker can write it any more. A job a worker holds cannot be
 * removed; then the request goes through Redis to that worker (TaskCancelRequests), which stops
 * the task and ends it cancelled.
 */
@CommandHandler(CancelTaskCommand)
export class CancelTaskHandler implements ICommandHandler<CancelTaskCommand> {
  constructor(
    private readonly tasks: TaskRepository,
    private readonly requests: TaskCancelRequests,
    @InjectQueue(TASK_QUEUE) private readonly queue: Queue<RunTaskJobData>,
  ) {}

  async execute({ taskId, ownerId }: CancelTaskCommand): Promise<void> {
    const task = await this.loadOwned(taskId, ownerId);
    assertNotFinished(task);
    // 1: removed or absent (not yet added, or its holder died); 0: a worker holds it.
    if ((await this.queue.remove(task.jobId)) === 0) {
      await this.requests.request(taskId);
      return;
    }
    // No worker holds the job now, and a worker that held it wrote its last change before
    // letting go: read the task again, since it may have ended meanwhile.
    const current = await this.loadOwned(taskId, ownerId);
    assertNotFinished(current);
    current.cancel(undefined, new Date());
    await this.tasks.save(current);
  }

  private async loadOwned(taskId: string, ownerId: string): Promise<Task> {
    const task = await this.tasks.load(taskId);
    if (!task || task.toSnapshot().ownerId !== ownerId) {
      throw new NotFoundError('TASK_NOT_FOUND', `No task ${taskId} of yours exists.`);
    }
    return task;
  }
}

function assertNotFinished(task: Task): void {
  if (isFinal(task.state)) {
    throw new KilnError(
      'TASK_ALREADY_FINISHED',
      `Task ${task.id} has already ended (${task.state}); there is nothing to cancel.`,
      HttpStatus.CONFLICT,
    );
  }
}
