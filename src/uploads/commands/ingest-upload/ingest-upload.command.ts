import { Command } from '@nestjs/cqrs';
import type { IncomingMessage } from 'node:http';
import type { UploadResultView } from '../../../contract';

/**
 * Take a multipart upload in: its files become assets (files that belong together as one, a zip
 * as one), each with a `process` task. All or nothing: a refused upload stores nothing.
 */
export class IngestUploadCommand extends Command<UploadResultView> {
  constructor(
    /** The request, its multipart body not read yet (field `files`). */
    readonly request: IncomingMessage,
    readonly ownerId: string,
    readonly sessionId: string,
  ) {
    super();
  }
}
