import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AssetsModule } from './assets/assets.module';
import { AuthModule } from './auth/auth.module';
import { ConfigModule } from './config/config.module';
import type { KilnConfig } from './config/kiln-config';
import { HealthModule } from './health/health.module';
import { RealtimeModule } from './realtime/realtime.module';
import { RedisConnections } from './redis/redis-connections';
import { RedisKeys } from './redis/redis-keys';
import { RedisModule } from './redis/redis.module';
import { TasksModule } from './tasks/tasks.module';
import { UploadsModule } from './uploads/uploads.module';

/** What a role runs: `api` serves HTTP and sockets, `worker` processes tasks, `all` does both. */
export function roleParts(role: KilnConfig['role']): { api: boolean; worker: boolean } {
  return { api: role !== 'worker', worker: role !== 'api' };
}

@Module({})
export class AppModule {
  /** The application for one role; `redisUrl` is the Redis start-up located. */
  static forRole(config: KilnConfig, redisUrl: string): DynamicModule {
    const role = roleParts(config.role);
    const api = role.api ? [AuthModule, HealthModule, UploadsModule, AssetsModule.withApi()] : [];
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        RedisModule.forRoot(redisUrl, config.keyPrefix, config.redisSentinel),
        CqrsModule.forRoot(),
        BullModule.forRootAsync({
          inject: [RedisConnections, RedisKeys],
          useFactory: (connections: RedisConnections, keys: RedisKeys) => ({
            connection: connections.bullmqOptions(),
            prefix: keys.bullPrefix,
          }),
        }),
        TasksModule.forRole(role, config),
        RealtimeModule.forRole(role),
        ...api,
      ],
    };
  }
}
