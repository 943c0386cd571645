import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisKeys } from '../../redis/redis-keys';
import { REDIS } from '../../redis/redis.tokens';

/** How long an unanswered cancel request is kept: past any stall recovery of its job. */
const REQUEST_TTL_SECONDS = 24 * 3600;

/**
 * Cancel requests for running tasks, through Redis, since the worker holding a task may be
 * another process. A request is a marker (read by the worker when it takes the task, so a
 * request made while the job was changing hands is not lost) and a message on one channel every
 * worker process listens on (so the holder stops the task at once).
 */
@Injectable()
export class TaskCancelRequests {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async request(taskId: string): Promise<void> {
    await this.redis
      .multi()
      .set(this.keys.taskCancelRequested(taskId), '1', 'EX', REQUEST_TTL_SECONDS)
      .publish(this.keys.taskCancels(), taskId)
      .exec();
  }

  async isRequested(taskId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.taskCancelRequested(taskId))) === 1;
  }

  /** Answered (the task ended cancelled), or made void by a retry. */
  async clear(taskId: string): Promise<void> {
    await this.redis.del(this.keys.taskCancelRequested(taskId));
  }
}
