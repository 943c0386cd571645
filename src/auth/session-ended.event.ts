import { IEvent } from '@nestjs/cqrs';

/** A session was signed out: its tokens stop working and its sockets should be disconnected. */
export class SessionEndedEvent implements IEvent {
  constructor(readonly sessionId: string) {}
}
