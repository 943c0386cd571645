import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { NotFoundError } from '../../../errors/kiln-error';
import { TaskRepository } from '../../task.repository';
import type { TaskView } from '../task.view';
import { TaskViews } from '../task-views';
import { GetTaskQuery } from './get-task.query';

@QueryHandler(GetTaskQuery)
export class GetTaskHandler implements IQueryHandler<GetTaskQuery> {
  constructor(
    private readonly tasks: TaskRepository,
    private readonly views: TaskViews,
  ) {}

  async execute({ taskId, ownerId }: GetTaskQuery): Promise<TaskView> {
    const snapshot = await this.tasks.find(taskId);
    if (!snapshot || snapshot.ownerId !== ownerId) {
      throw new NotFoundError('TASK_NOT_FOUND', `No task ${taskId} of yours exists.`);
    }
    const [view] = await this.views.of([snapshot]);
    return view;
  }
}
