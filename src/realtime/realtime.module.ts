import { type DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { RealtimeGateway } from './realtime.gateway';
import { SessionEndedHandler } from './session-ended.handler';
import { SessionStream } from './session-stream';
import { SessionSubscriptions } from './session-subscriptions';
import { TaskEventsRelay } from './task-events.relay';

/** Every role relays the task events it raises to the session streams. */
const relay = [SessionStream, TaskEventsRelay];
/** Only API processes hold sockets. */
const gateway = [RealtimeGateway, SessionSubscriptions, SessionEndedHandler];

@Module({})
export class RealtimeModule {
  static forRole(role: { api: boolean }): DynamicModule {
    return {
      module: RealtimeModule,
      imports: role.api ? [AuthModule] : [],
      providers: role.api ? [...relay, ...gateway] : relay,
    };
  }
}
