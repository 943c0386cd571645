import { Command } from '@nestjs/cqrs';

/** Cancel a task of the owner's: a queued one never starts, a running one is stopped. */
export class CancelTaskCommand extends Command<void> {
  constructor(
    readonly taskId: string,
    readonly ownerId: string,
  ) {
    super();
  }
}
