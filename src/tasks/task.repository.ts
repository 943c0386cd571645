import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisKeys } from '../redis/redis-keys';
import { REDIS } from '../redis/redis.tokens';
import { Task, type TaskSnapshot } from './domain/task.aggregate';

/** Saves tasks as JSON in Redis; the saved snapshot is also the read model behind GET /tasks. */
@Injectable()
export class TaskRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async save(task: Task): Promise<void> {
    const snapshot = task.toSnapshot();
    await this.redis
      .multi()
      .set(this.keys.task(snapshot.id), JSON.stringify(snapshot))
      .zadd(
        this.keys.userTasks(snapshot.ownerId),
        'NX',
        Date.parse(snapshot.createdAt),
        snapshot.id,
      )
      .exec();
  }

  async load(taskId: string): Promise<Task | undefined> {
    const snapshot = await this.find(taskId);
    return snapshot && Task.fromSnapshot(snapshot);
  }

  async find(taskId: string): Promise<TaskSnapshot | undefined> {
    const json = await this.redis.get(this.keys.task(taskId));
    return json ? (JSON.parse(json) as TaskSnapshot) : undefined;
  }

  /** Newest first. */
  async listOwned(ownerId: string, limit: number): Promise<TaskSnapshot[]> {
    const ids = await this.redis.zrevrange(this.keys.userTasks(ownerId), 0, limit - 1);
    if (ids.length === 0) return [];
    const jsons = await this.redis.mget(ids.map((id) => this.keys.task(id)));
    return jsons
      .filter((json): json is string => json !== null)
      .map((json) => JSON.parse(json) as TaskSnapshot);
  }
}
