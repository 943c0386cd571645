import { Command } from '@nestjs/cqrs';
import type { AssetKind, TaskType } from '../../../contract';

/** Queue a task for an asset; answers the new task's id. */
export class StartTaskCommand extends Command<{ taskId: string }> {
  constructor(
    readonly assetId: string,
    readonly kind: AssetKind,
    readonly ownerId: string,
    readonly sessionId: string,
    readonly type: TaskType,
    readonly options: Record<string, unknown> = {},
  ) {
    super();
  }
}
