import { type DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { RealtimeGateway } from './realtime.gateway';
import { SessionEndedHandler } from './session-ended.handler';
import { SessionStream } from './session-stream';
import { SessionSubscriptions } from './session-subscriptions';

/**
 * Only API processes hold sockets. The events they relay are written by the tasks outbox with
 * each state change; this module only reads them (and publishes the logout's control message).
 */
const gateway = [RealtimeGateway, SessionStream, SessionSubscriptions, SessionEndedHandler];

@Module({})
export class RealtimeModule {
  static forRole(role: { api: boolean }): DynamicModule {
    return {
      module: RealtimeModule,
      imports: role.api ? [AuthModule] : [],
      providers: role.api ? gateway : [],
    };
  }
}
