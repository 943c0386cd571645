import { InjectQueue } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { KILN_CONFIG, type KilnConfig } from '../../../config/kiln-config';
import { KilnError } from '../../../errors/kiln-error';
import { BENCH_STEP, isTaskTypeSupported, stepsOfTask } from '../../../processing/pipelines';
import { ProcessingError } from '../../../processing/processing.error';
import { checkTaskOptions } from '../../../processing/step-options';
import { Task } from '../../domain/task.aggregate';
import {
  RUN_TASK_JOB,
  TASK_JOB_OPTIONS,
  TASK_JOB_PRIORITY,
  TASK_QUEUE,
  type RunTaskJobData,
} from '../../queue/task-queue.constants';
import { TaskRepository } from '../../task.repository';
import { StartTaskCommand } from './start-task.command';

@CommandHandler(StartTaskCommand)
export class StartTaskHandler implements ICommandHandler<StartTaskCommand> {
  constructor(
    private readonly tasks: TaskRepository,
    @InjectQueue(TASK_QUEUE) private readonly queue: Queue<RunTaskJobData>,
    @Inject(KILN_CONFIG) private readonly config: Pick<KilnConfig, 'benchSteps'>,
  ) {}

  async execute(command: StartTaskCommand): Promise<{ taskId: string }> {
    if (command.type === BENCH_STEP && !this.config.benchSteps) {
      throw new KilnError(
        'BENCH_STEPS_DISABLED',
        'The bench step is off: it runs only with KILN_BENCH_STEPS=1, never with NODE_ENV=production.',
      );
    }
    if (!isTaskTypeSupported(command.kind, command.type)) {
      throw new KilnError(
        'TASK_TYPE_NOT_SUPPORTED',
        `A ${command.kind} asset has no "${command.type}" step.`,
      );
    }
    try {
      checkTaskOptions(command.kind, stepsOfTask(command.kind, command.type), command.options); // as the worker will
    } catch (error) {
      if (error instanceof ProcessingError) throw new KilnError(error.code, error.message);
      throw error;
    }
    const task = Task.queue(
      {
        id: randomUUID(),
        assetId: command.assetId,
        kind: command.kind,
        ownerId: command.ownerId,
        sessionId: command.sessionId,
        type: command.type,
        options: command.options,
      },
      new Date(),
    );
    // Saved with its task.queued event in one step. Should the process stop before the job is
    // added, the start-up check (QueuedTaskJobs) adds it.
    await this.tasks.save(task);
    // The job id is the run's (Task.jobId): adding the same run twice cannot queue it twice.
    await this.queue.add(
      RUN_TASK_JOB,
      { taskId: task.id },
      { ...TASK_JOB_OPTIONS, jobId: task.jobId, priority: TASK_JOB_PRIORITY[command.origin] },
    );
    return { taskId: task.id };
  }
}
