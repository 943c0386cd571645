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
          // No auto-pipelining: it builds a Pipeline for every tick's commands and holds new
          // commands while one is in flight; measured, that cost more CPU per command at every
          // concurrency and ~10× the GC time (the worker's scavenges were the slowest 1 % of
          // event latency). Concurrent writes still leave together: the socket batches what is
          // written while a write is pending (docs/performance.md, "Auto-pipelining removed").
          useFactory: () => connections.create('commands'),
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
