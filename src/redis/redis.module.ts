import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import type { RedisSentinelTarget } from '../config/kiln-config';
import { RedisConnections } from './redis-connections';
import { RedisKeys } from './redis-keys';
import { REDIS } from './redis.tokens';

/**
 * The shared Redis wiring: one command client (`REDIS`), the key builders, and a factory for
 * the extra connections that must not share it (pub/sub subscribers, BullMQ).
 */
@Global()
@Module({})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(RedisConnections) private readonly connections: RedisConnections) {}

  static forRoot(url: string, keyPrefix: string, sentinel?: RedisSentinelTarget): DynamicModule {
    const connections = new RedisConnections(url, sentinel);
    return {
      module: RedisModule,
      providers: [
        { provide: RedisConnections, useValue: connections },
        {
          provide: REDIS,
          // Auto-pipelining: the commands issued in one tick (a burst of uploads, saves and
          // session checks) leave in one socket write instead of one write each. Order is kept,
          // and no blocking command or subscription uses this connection.
          useFactory: () => connections.create('commands', { enableAutoPipelining: true }),
        },
        { provide: RedisKeys, useValue: new RedisKeys(keyPrefix) },
      ],
      exports: [REDIS, RedisKeys, RedisConnections],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connections.closeAll();
  }
}

export type { Redis };
