import { EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import { SessionEndedEvent } from '../auth/session-ended.event';
import { SessionStream } from './session-stream';

/** On logout, tells every API process to disconnect the session's sockets. */
@EventsHandler(SessionEndedEvent)
export class SessionEndedHandler implements IEventHandler<SessionEndedEvent> {
  constructor(private readonly stream: SessionStream) {}

  async handle({ sessionId }: SessionEndedEvent): Promise<void> {
    await this.stream.endSession(sessionId);
  }
}
