import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { TaskRepository } from '../../task.repository';
import type { TaskView } from '../task.view';
import { TaskViews } from '../task-views';
import { ListTasksQuery } from './list-tasks.query';

@QueryHandler(ListTasksQuery)
export class ListTasksHandler implements IQueryHandler<ListTasksQuery> {
  constructor(
    private readonly tasks: TaskRepository,
    private readonly views: TaskViews,
  ) {}

  async execute({ ownerId, limit }: ListTasksQuery): Promise<TaskView[]> {
    return this.views.of(await this.tasks.listOwned(ownerId, limit));
  }
}
