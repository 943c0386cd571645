import type { StepName, TaskErrorInfo, TaskType } from '../../contract';

/**
 * The task domain events. Each carries who it belongs to (`sessionId`, `ownerId`) so the relay
 * can route it without reading the task again.
 */
abstract class TaskEvent {
  constructor(
    readonly taskId: string,
    readonly assetId: string,
    readonly ownerId: string,
    readonly sessionId: string,
    readonly at: Date,
  ) {}
}

export type TaskEventRoute = ConstructorParameters<typeof TaskEvent>;

export class TaskQueued extends TaskEvent {
  constructor(
    route: TaskEventRoute,
    readonly type: TaskType,
    readonly attempt: number,
  ) {
    super(...route);
  }
}

export class TaskStarted extends TaskEvent {
  constructor(
    route: TaskEventRoute,
    readonly attempt: number,
  ) {
    super(...route);
  }
}

export class TaskProgressed extends TaskEvent {
  constructor(
    route: TaskEventRoute,
    readonly step: StepName,
    readonly progress: number,
  ) {
    super(...route);
  }
}

export class TaskSucceeded extends TaskEvent {
  constructor(
    route: TaskEventRoute,
    readonly outputs: string[],
  ) {
    super(...route);
  }
}

export class TaskFailed extends TaskEvent {
  constructor(
    route: TaskEventRoute,
    readonly error: TaskErrorInfo,
    readonly willRetry: boolean,
  ) {
    super(...route);
  }
}

export class TaskCancelled extends TaskEvent {
  constructor(
    route: TaskEventRoute,
    readonly reason?: string,
  ) {
    super(...route);
  }
}

export type AnyTaskEvent =
  TaskQueued | TaskStarted | TaskProgressed | TaskSucceeded | TaskFailed | TaskCancelled;

export const TASK_EVENTS = [
  TaskQueued,
  TaskStarted,
  TaskProgressed,
  TaskSucceeded,
  TaskFailed,
  TaskCancelled,
] as const;
