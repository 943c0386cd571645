import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisKeys } from '../redis/redis-keys';
import { REDIS } from '../redis/redis.tokens';

export interface UserRecord {
  id: string;
  /** As the user typed it at registration. */
  username: string;
  /** `scrypt$N$r$p$salt$hash`, see PasswordHasher. */
  passwordHash: string;
  /** ISO time. */
  createdAt: string;
}

/**
 * Users in Redis: a hash per user plus a name → id index. Names are unique regardless of case
 * ("Alice" and "alice" are one name), the way people expect usernames to behave.
 */
@Injectable()
export class UserRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /**
   * Saves a new user; false when the name is taken. The index is claimed with SET NX, so of two
   * concurrent registrations of one name exactly one wins.
   */
  async create(user: UserRecord): Promise<boolean> {
    // The hash is written first (under a fresh id nobody else uses), so the index never points
    // at a user that is not there yet.
    await this.redis.hset(this.keys.user(user.id), { ...user });
    const claimed = await this.redis.set(this.nameKey(user.username), user.id, 'NX');
    if (claimed === 'OK') return true;
    await this.redis.unlink(this.keys.user(user.id));
    return false;
  }

  async findById(userId: string): Promise<UserRecord | undefined> {
    const fields = await this.redis.hgetall(this.keys.user(userId));
    return toUser(fields);
  }

  async findByUsername(username: string): Promise<UserRecord | undefined> {
    const userId = await this.redis.get(this.nameKey(username));
    return userId === null ? undefined : this.findById(userId);
  }

  private nameKey(username: string): string {
    return this.keys.userByName(username.toLowerCase());
  }
}

function toUser(fields: Record<string, string>): UserRecord | undefined {
  const { id, username, passwordHash, createdAt } = fields;
  if (!id || !username || !passwordHash || !createdAt) return undefined;
  return { id, username, passwordHash, createdAt };
}
