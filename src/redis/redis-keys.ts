/**
 * Every Redis key and channel name Kiln uses, built in one place. All start with the prefix
 * (`KILN_KEY_PREFIX`, default `kiln`), so one Redis can hold several Kilns, or tests.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  // auth
  /** Hash: id, username, passwordHash, createdAt. */
  user(userId: string): string {
    return `${this.prefix}:user:${userId}`;
  }
  /** String → userId; set with NX so a name is taken once. */
  userByName(username: string): string {
    return `${this.prefix}:user-by-name:${username}`;
  }
  /** Hash: userId, username, createdAt; expires with the token. */
  session(sessionId: string): string {
    return `${this.prefix}:session:${sessionId}`;
  }
  /** Counter of sign-in attempts for a username (lower-cased) that did not succeed; expires with its window. */
  loginFailuresOfUser(username: string): string {
    return `${this.prefix}:login-failures:user:${username}`;
  }
  /** Counter of sign-in attempts from an address that did not succeed; expires with its window. */
  loginFailuresFromAddress(address: string): string {
    return `${this.prefix}:login-failures:address:${address}`;
  }
  /** Marker: this address signed in as this username (lower-cased) lately. */
  loginKnownAddress(username: string, address: string): string {
    return `${this.prefix}:login-known:${username}:${address}`;
  }

  // assets
  /** String: the asset record as JSON. */
  asset(assetId: string): string {
    return `${this.prefix}:asset:${assetId}`;
  }
  /** Sorted set of asset ids by creation time. */
  userAssets(userId: string): string {
    return `${this.prefix}:user:${userId}:assets`;
  }

  // tasks
  /** String: the task read model as JSON. */
  task(taskId: string): string {
    return `${this.prefix}:task:${taskId}`;
  }
  /** Sorted set of task ids by creation time. */
  userTasks(userId: string): string {
    return `${this.prefix}:user:${userId}:tasks`;
  }
  /** Sorted set of the ids of queued tasks, by creation time: the start-up check re-adds their jobs. */
  queuedTasks(): string {
    return `${this.prefix}:tasks:queued`;
  }
  /** Marker: a cancel of this task was asked for; the worker that takes or holds it stops it. */
  taskCancelRequested(taskId: string): string {
    return `${this.prefix}:task:${taskId}:cancel`;
  }
  /** Pub/sub channel every worker process listens on: a task id to stop, wherever it runs. */
  taskCancels(): string {
    return `${this.prefix}:tasks:cancels`;
  }
  /** BullMQ's own prefix: its keys become `{prefix}:bull:{queue}:…`. */
  get bullPrefix(): string {
    return `${this.prefix}:bull`;
  }

  // realtime
  /** Stream of a session's events (capped, with a TTL): the replay source. */
  sessionStream(sessionId: string): string {
    return `${this.prefix}:session:${sessionId}:events`;
  }
  /** Pub/sub channel of a session's live events and control messages. */
  sessionChannel(sessionId: string): string {
    return `${this.prefix}:events:${sessionId}`;
  }
}
