import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisConnections } from '../../redis/redis-connections';
import { RedisKeys } from '../../redis/redis-keys';
import { REDIS } from '../../redis/redis.tokens';

/** How often the markers of the tasks running here are read, for a message that was missed. */
const MARKER_POLL_MS = 2000;

/** The reason a task's signal is aborted when a user cancelled it. */
export class TaskCancelledError extends Error {
  constructor() {
    super('The task was cancelled');
    this.name = 'TaskCancelledError';
  }
}

/**
 * The worker side of cancelling: listens on the cancel channel and aborts the signal of the
 * named task when this process runs it (every worker process hears every request; the one
 * holding the task acts, the others ignore it). A message sent while the subscriber was
 * reconnecting is lost, so the cancel markers of the tasks running here are also read every
 * MARKER_POLL_MS.
 */
@Injectable()
export class RunningTaskCancels implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RunningTaskCancels.name);
  private readonly running = new Map<string, AbortController>();
  private subscriber: Redis | undefined;
  private poll: NodeJS.Timeout | undefined;

  constructor(
    private readonly connections: RedisConnections,
    private readonly keys: RedisKeys,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async onModuleInit(): Promise<void> {
    this.subscriber = this.connections.create('task-cancels');
    this.subscriber.on('message', (_channel: string, taskId: string) => this.cancel(taskId));
    await this.subscriber.subscribe(this.keys.taskCancels());
    this.poll = setInterval(() => void this.readMarkers(), MARKER_POLL_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.poll);
    this.subscriber?.disconnect();
  }

  /** Cancels the tasks running here whose marker is set; a Redis error waits for the next round. */
  async readMarkers(): Promise<void> {
    const ids = [...this.running.keys()];
    if (ids.length === 0) return;
    try {
      const found = await this.redis.mget(ids.map((id) => this.keys.taskCancelRequested(id)));
      for (const [index, id] of ids.entries()) if (found[index] !== null) this.cancel(id);
    } catch {
      // Reported by the connection's error log; the next round tries again.
    }
  }

  /** A signal aborted when the task is cancelled while it runs here; `release` when it ends. */
  watch(taskId: string): { signal: AbortSignal; release: () => void } {
    const controller = new AbortController();
    this.running.set(taskId, controller);
    return {
      signal: controller.signal,
      release: () => {
        if (this.running.get(taskId) === controller) this.running.delete(taskId);
      },
    };
  }

  /** Aborts the task's signal when it runs here. */
  cancel(taskId: string): void {
    const controller = this.running.get(taskId);
    if (!controller || controller.signal.aborted) return;
    this.logger.log(`Stopping task ${taskId}: cancelled`);
    controller.abort(new TaskCancelledError());
  }
}
