import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { RedisConnections } from '../../redis/redis-connections';
import { TASK_QUEUE } from './task-queue.constants';

/**
 * Sends the task queue's connection errors to the process's Redis error log. Without a listener
 * BullMQ prints every reconnect failure with its stack while Redis is away.
 */
@Injectable()
export class TaskQueueErrors implements OnModuleInit {
  constructor(
    @InjectQueue(TASK_QUEUE) private readonly queue: Queue,
    private readonly connections: RedisConnections,
  ) {}

  onModuleInit(): void {
    this.queue.on('error', this.connections.errorLog.report);
  }
}
