import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { KILN_CONFIG, KilnConfig } from '../config/kiln-config';
import { RedisKeys } from '../redis/redis-keys';
import { REDIS } from '../redis/redis.tokens';

export interface SessionRecord {
  userId: string;
  username: string;
  /** ISO time. */
  createdAt: string;
}

/**
 * Sessions in Redis: one hash each, expiring with the token issued for it. A token is good only
 * while its session exists, so deleting the session is what signs out.
 */
@Injectable()
export class SessionRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    @Inject(KILN_CONFIG) private readonly config: Pick<KilnConfig, 'jwtTtlSeconds'>,
  ) {}

  async create(sessionId: string, session: SessionRecord): Promise<void> {
    const key = this.keys.session(sessionId);
    const results = await this.redis
      .multi()
      .hset(key, { ...session })
      .expire(key, this.config.jwtTtlSeconds)
      .exec();
    const failure = results?.find(([error]) => error !== null)?.[0];
    if (failure) throw failure;
  }

  /** The live session, or undefined when it has ended (signed out or expired). */
  async find(sessionId: string): Promise<SessionRecord | undefined> {
    const { userId, username, createdAt } = await this.redis.hgetall(this.keys.session(sessionId));
    return userId && username && createdAt ? { userId, username, createdAt } : undefined;
  }

  /** True when there was a session to delete. */
  async delete(sessionId: string): Promise<boolean> {
    return (await this.redis.unlink(this.keys.session(sessionId))) === 1;
  }
}
