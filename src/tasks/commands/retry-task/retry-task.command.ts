import { Command } from '@nestjs/cqrs';

/** Run a failed or cancelled task of the owner's again: a new run, attempt n+1. */
export class RetryTaskCommand extends Command<void> {
  constructor(
    readonly taskId: string,
    readonly ownerId: string,
  ) {
    super();
  }
}
