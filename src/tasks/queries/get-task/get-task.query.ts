import { Query } from '@nestjs/cqrs';
import type { TaskView } from '../task.view';

/** One task of the owner's; another user's task is not found. */
export class GetTaskQuery extends Query<TaskView> {
  constructor(
    readonly taskId: string,
    readonly ownerId: string,
  ) {
    super();
  }
}
