import { Query } from '@nestjs/cqrs';
import type { TaskView } from '../task.view';

/** The owner's tasks, newest first. */
export class ListTasksQuery extends Query<TaskView[]> {
  constructor(
    readonly ownerId: string,
    readonly limit: number,
  ) {
    super();
  }
}
