import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import { AssetsModule } from '../assets/assets.module';
import { AuthModule } from '../auth/auth.module';
import type { KilnConfig } from '../config/kiln-config';
import { ProcessingModule } from '../processing/processing.module';
import { StorageModule } from '../storage/storage.module';
import { AssetTasksController } from './asset-tasks.controller';
import { TaskCancelRequests } from './cancel/task-cancel-requests';
import { CancelTaskHandler } from './commands/cancel-task/cancel-task.handler';
import { RetryTaskHandler } from './commands/retry-task/retry-task.handler';
import { StartTaskHandler } from './commands/start-task/start-task.handler';
import { GetTaskHandler } from './queries/get-task/get-task.handler';
import { ListTasksHandler } from './queries/list-tasks/list-tasks.handler';
import { TaskViews } from './queries/task-views';
import { QueuedTaskJobs } from './queue/queued-task-jobs';
import { TASK_QUEUE } from './queue/task-queue.constants';
import { TaskQueueErrors } from './queue/task-queue-errors';
import { TaskRepository } from './task.repository';
import { TasksController } from './tasks.controller';
import { TaskRunner } from './worker/task-runner';
import { RunningTaskCancels } from './worker/running-task-cancels';
import { TaskProcessor } from './worker/task.processor';

const commandHandlers = [StartTaskHandler, CancelTaskHandler, RetryTaskHandler];
const queryHandlers = [GetTaskHandler, ListTasksHandler, TaskViews];
const worker = [TaskProcessor, TaskRunner, RunningTaskCancels];
/** Every role: a queued task whose job was never added gets it at start-up. */
const queue = [QueuedTaskJobs];

/**
 * The task domain. Every role can start tasks (the queue producer); the API adds the REST
 * controllers (`/tasks…` and `POST /assets/:id/tasks`), the worker adds the BullMQ processor
 * and the processing pool.
 */
@Module({})
export class TasksModule {
  static forRole(role: { api: boolean; worker: boolean }, config: KilnConfig): DynamicModule {
    return {
      module: TasksModule,
      imports: [
        BullModule.registerQueue({ name: TASK_QUEUE }),
        AssetsModule,
        ...(role.api ? [AuthModule] : []),
        ...(role.worker
          ? [
              ProcessingModule.forRoot({
                threads: config.workerConcurrency,
                heapMb: config.workerHeapMb,
                niceness: config.workerNice,
              }),
              StorageModule,
            ]
          : []),
      ],
      controllers: role.api ? [TasksController, AssetTasksController] : [],
      providers: [
        TaskRepository,
        TaskQueueErrors,
        TaskCancelRequests,
        ...queue,
        ...commandHandlers,
        ...queryHandlers,
        ...(role.worker ? worker : []),
      ],
    };
  }
}
