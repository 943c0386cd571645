import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { TaskRepository } from '../../task.repository';
import { TaskView } from '../task.view';
import { ListTasksQuery } from './list-tasks.query';

@QueryHandler(ListTasksQuery)
export class ListTasksHandler implements IQueryHandler<ListTasksQuery> {
  constructor(private readonly tasks: TaskRepository) {}

  async execute({ ownerId, limit }: ListTasksQuery): Promise<TaskView[]> {
    return (await this.tasks.listOwned(ownerId, limit)).map((snapshot) => TaskView.of(snapshot));
  }
}
