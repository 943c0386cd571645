import { Command } from '@nestjs/cqrs';
import type { AssetKind, TaskType } from '../../../contract';
import type { TaskOrigin } from '../../queue/task-queue.constants';

/** Queue a task for an asset; answers the new task's id. */
export class StartTaskCommand extends Command<{ taskId: string }> {
  constructor(
    readonly assetId: string,
    readonly kind: AssetKind,
    readonly ownerId: string,
    readonly sessionId: string,
    readonly type: TaskType,
    readonly options: Record<string, unknown> = {},
    /** Uploads' tasks run before re-runs queued earlier. */
    readonly origin: TaskOrigin = 'rerun',
  ) {
    super();
  }
}
