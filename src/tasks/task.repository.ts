import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { KILN_CONFIG, type KilnConfig } from '../config/kiln-config';
import { RedisKeys } from '../redis/redis-keys';
import { REDIS } from '../redis/redis.tokens';
import { Task, type TaskSnapshot } from './domain/task.aggregate';
import { TaskCancelled, TaskQueued, TaskStarted } from './events/task-events';
import { SAVE_TASK_LUA, saveTaskArguments } from './save-task.script';

/** Hash fields to set on the task's asset in the same step as the save (a step's outputs). */
export interface AssetWrite {
  assetId: string;
  fields: Readonly<Record<string, string>>;
}

type WithSaveTask = Redis & {
  kilnSaveTask(...keysAndArgs: (string | number)[]): Promise<string[]>;
};

/**
 * Tasks in Redis: the record (JSON) is both the aggregate's state and the read model behind
 * GET /tasks. A save is the outbox: the record and the events the aggregate recorded go to Redis
 * in one script (see save-task.script.ts), appended to the session's stream and published on its
 * channel, so a saved state is never without its event, nor an event without its state.
 */
@Injectable()
export class TaskRepository {
  private readonly redis: WithSaveTask;
  private readonly stream: { maxEvents: number; ttlSeconds: number };

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly keys: RedisKeys,
    @Inject(KILN_CONFIG) config: Pick<KilnConfig, 'streamMaxEvents' | 'streamTtlSeconds'>,
  ) {
    this.stream = { maxEvents: config.streamMaxEvents, ttlSeconds: config.streamTtlSeconds };
    // EVALSHA, falling back to EVAL once per connection when Redis does not have the script yet.
    redis.defineCommand('kilnSaveTask', { numberOfKeys: 5, lua: SAVE_TASK_LUA });
    this.redis = redis as WithSaveTask;
  }

  /**
   * Saves the task with its pending events (then clears them), and sets `asset.fields` in the
   * same step. The command is written to the connection before this returns, so saves issued
   * one after another reach Redis in that order. Rejects when Redis refused it; then nothing of
   * it was written, and the events stay pending on the aggregate.
   */
  async save(task: Task, asset?: AssetWrite): Promise<string[]> {
    const snapshot = task.toSnapshot();
    const events = [...task.getUncommittedEvents()];
    const leftQueue = events.some((e) => e instanceof TaskStarted || e instanceof TaskCancelled);
    const ids = await this.redis.kilnSaveTask(
      ...saveTaskArguments(
        {
          task: this.keys.task(snapshot.id),
          ownerTasks: this.keys.userTasks(snapshot.ownerId),
          queuedTasks: this.keys.queuedTasks(),
          sessionStream: this.keys.sessionStream(snapshot.sessionId),
          asset: this.keys.asset(asset?.assetId ?? snapshot.assetId),
        },
        {
          recordJson: JSON.stringify(snapshot),
          taskId: snapshot.id,
          createdAtMs: Date.parse(snapshot.createdAt),
          isNew: events.some((e) => e instanceof TaskQueued && e.attempt === 1),
          queued: snapshot.state === 'queued' ? '+' : leftQueue ? '-' : '',
          sessionChannel: this.keys.sessionChannel(snapshot.sessionId),
          stream: this.stream,
          events: events.map((event) => event.toContract()),
          assetFields: asset?.fields ?? {},
        },
      ),
    );
    // Nothing changes a task while its save is on the way (the runner orders its changes and
    // saves), so the pending events are exactly those just written.
    task.uncommit();
    return ids;
  }

  async load(taskId: string): Promise<Task | undefined> {
    const snapshot = await this.find(taskId);
    return snapshot && Task.fromSnapshot(snapshot);
  }

  async find(taskId: string): Promise<TaskSnapshot | undefined> {
    const json = await this.redis.get(this.keys.task(taskId));
    return json ? (JSON.parse(json) as TaskSnapshot) : undefined;
  }

  /** The records of these tasks that exist, in the order asked. */
  async findMany(taskIds: readonly string[]): Promise<TaskSnapshot[]> {
    if (taskIds.length === 0) return [];
    const jsons = await this.redis.mget(taskIds.map((id) => this.keys.task(id)));
    return jsons
      .filter((json): json is string => json !== null)
      .map((json) => JSON.parse(json) as TaskSnapshot);
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

  /** Ids of the queued tasks, oldest first. */
  queuedTaskIds(): Promise<string[]> {
    return this.redis.zrange(this.keys.queuedTasks(), 0, -1);
  }
}
