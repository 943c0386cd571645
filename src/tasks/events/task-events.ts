import type { RealtimeEvent, StepName, TaskErrorInfo, TaskType } from '../../contract';

/** Who an event belongs to and when it happened: enough to route it without reading the task. */
export interface TaskEventRoute {
  taskId: string;
  assetId: string;
  ownerId: string;
  sessionId: string;
  at: Date;
}

type Unsent<E> = E extends { name: infer N; payload: infer P }
  ? { name: N; payload: Omit<P, 'eventId'> }
  : never;

/** A contract event before its session stream gave it an `eventId`. */
export type UnsentEvent = Unsent<RealtimeEvent>;

/**
 * A task domain event. Each one knows its contract name and payload (`toContract`), so the
 * classes below are the only list of task events: the outbox appends whatever the aggregate
 * recorded, and nothing else enumerates them.
 */
export abstract class TaskEvent {
  readonly taskId: string;
  readonly assetId: string;
  readonly ownerId: string;
  readonly sessionId: string;
  readonly at: Date;

  constructor({ taskId, assetId, ownerId, sessionId, at }: TaskEventRoute) {
    this.taskId = taskId;
    this.assetId = assetId;
    this.ownerId = ownerId;
    this.sessionId = sessionId;
    this.at = at;
  }

  /** The event as the realtime contract names and shapes it. */
  abstract toContract(): UnsentEvent;

  protected base(): { taskId: string; assetId: string; at: string } {
    return { taskId: this.taskId, assetId: this.assetId, at: this.at.toISOString() };
  }
}

export class TaskQueued extends TaskEvent {
  constructor(
    route: TaskEventRoute,
    readonly type: TaskType,
    readonly attempt: number,
  ) {
    super(route);
  }

  toContract(): UnsentEvent {
    return {
      name: 'task.queued',
      payload: { ...this.base(), type: this.type, attempt: this.attempt },
    };
  }
}

export class TaskStarted extends TaskEvent {
  constructor(
    route: TaskEventRoute,
    readonly attempt: number,
  ) {
    super(route);
  }

  toContract(): UnsentEvent {
    return { name: 'task.started', payload: { ...this.base(), attempt: this.attempt } };
  }
}

export class TaskProgressed extends TaskEvent {
  constructor(
    route: TaskEventRoute,
    readonly step: StepName,
    readonly progress: number,
    /** Set when the step ended: the outputs it left on the asset. */
    readonly outputs?: string[],
  ) {
    super(route);
  }

  toContract(): UnsentEvent {
    return {
      name: 'task.progress',
      payload: {
        ...this.base(),
        step: this.step,
        progress: this.progress,
        ...(this.outputs ? { outputs: [...this.outputs] } : {}),
      },
    };
  }
}

export class TaskSucceeded extends TaskEvent {
  constructor(
    route: TaskEventRoute,
    readonly outputs: string[],
  ) {
    super(route);
  }

  toContract(): UnsentEvent {
    return { name: 'task.succeeded', payload: { ...this.base(), outputs: [...this.outputs] } };
  }
}

export class TaskFailed extends TaskEvent {
  constructor(
    route: TaskEventRoute,
    readonly error: TaskErrorInfo,
    readonly willRetry: boolean,
    /** The outputs the task left before it failed (kept on the asset). */
    readonly outputs: string[],
  ) {
    super(route);
  }

  toContract(): UnsentEvent {
    return {
      name: 'task.failed',
      payload: {
        ...this.base(),
        error: { ...this.error },
        willRetry: this.willRetry,
        outputs: [...this.outputs],
      },
    };
  }
}

export class TaskCancelled extends TaskEvent {
  constructor(
    route: TaskEventRoute,
    readonly reason?: string,
  ) {
    super(route);
  }

  toContract(): UnsentEvent {
    return {
      name: 'task.cancelled',
      payload: { ...this.base(), ...(this.reason ? { reason: this.reason } : {}) },
    };
  }
}
