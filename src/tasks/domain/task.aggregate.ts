import { AggregateRoot } from '@nestjs/cqrs';
import type { AssetKind, StepName, TaskErrorInfo, TaskState, TaskType } from '../../contract';
import {
  type AnyTaskEvent,
  TaskCancelled,
  TaskFailed,
  TaskProgressed,
  TaskQueued,
  TaskStarted,
  TaskSucceeded,
  type TaskEventRoute,
} from '../events/task-events';

/** The legal moves of the state machine; anything else is a bug and throws. */
const TRANSITIONS: Readonly<Record<TaskState, readonly TaskState[]>> = {
  queued: ['running', 'cancelled'],
  running: ['succeeded', 'failed', 'cancelled', 'queued'],
  succeeded: [],
  failed: [],
  cancelled: [],
};

export class IllegalTransitionError extends Error {
  constructor(taskId: string, from: TaskState, to: TaskState) {
    super(`Task ${taskId} cannot go from ${from} to ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

/** Everything stored about a task: the aggregate's state and the read model are the same record. */
export interface TaskSnapshot {
  id: string;
  assetId: string;
  ownerId: string;
  sessionId: string;
  kind: AssetKind;
  type: TaskType;
  options: Record<string, unknown>;
  state: TaskState;
  /** Whole-task progress, 0-100. */
  progress: number;
  step: StepName | null;
  /** How many times it has started running. */
  attempts: number;
  error: TaskErrorInfo | null;
  outputs: string[];
  createdAt: string;
  updatedAt: string;
}

export type NewTask = Pick<
  TaskSnapshot,
  'id' | 'assetId' | 'ownerId' | 'sessionId' | 'kind' | 'type' | 'options'
>;

/**
 * A task: one pipeline (or one step) run for one asset. Methods check the transition, change
 * the state and record a domain event; the events go out on `commit()` after the save.
 */
export class Task extends AggregateRoot<AnyTaskEvent> {
  private constructor(private snapshot: TaskSnapshot) {
    super();
  }

  static queue(fields: NewTask, now: Date): Task {
    const at = now.toISOString();
    const task = new Task({
      ...fields,
      state: 'queued',
      progress: 0,
      step: null,
      attempts: 0,
      error: null,
      outputs: [],
      createdAt: at,
      updatedAt: at,
    });
    task.apply(new TaskQueued(task.route(now), fields.type, 1));
    return task;
  }

  static fromSnapshot(snapshot: TaskSnapshot): Task {
    return new Task({ ...snapshot });
  }

  get id(): string {
    return this.snapshot.id;
  }

  get state(): TaskState {
    return this.snapshot.state;
  }

  toSnapshot(): TaskSnapshot {
    return {
      ...this.snapshot,
      options: { ...this.snapshot.options },
      outputs: [...this.snapshot.outputs],
    };
  }

  start(now: Date): void {
    this.moveTo('running', now);
    this.snapshot.attempts += 1;
    this.snapshot.error = null;
    this.apply(new TaskStarted(this.route(now), this.snapshot.attempts));
  }

  /** Records progress of a running task; it never goes backwards within an attempt. */
  progress(step: StepName, progress: number, now: Date): void {
    this.assertState('running', 'report progress');
    this.snapshot.step = step;
    this.snapshot.progress = Math.max(this.snapshot.progress, Math.min(100, Math.round(progress)));
    this.snapshot.updatedAt = now.toISOString();
    this.apply(new TaskProgressed(this.route(now), step, this.snapshot.progress));
  }

  succeed(outputs: string[], now: Date): void {
    this.moveTo('succeeded', now);
    this.snapshot.progress = 100;
    this.snapshot.outputs = outputs;
    this.apply(new TaskSucceeded(this.route(now), outputs));
  }

  /** A failed attempt: back to `queued` when another attempt follows, else `failed` for good. */
  fail(error: TaskErrorInfo, willRetry: boolean, now: Date): void {
    this.moveTo(willRetry ? 'queued' : 'failed', now);
    this.snapshot.error = error;
    this.apply(new TaskFailed(this.route(now), error, willRetry));
    if (willRetry) {
      this.snapshot.progress = 0;
      this.snapshot.step = null;
      this.apply(new TaskQueued(this.route(now), this.snapshot.type, this.snapshot.attempts + 1));
    }
  }

  cancel(reason: string | undefined, now: Date): void {
    this.moveTo('cancelled', now);
    this.apply(new TaskCancelled(this.route(now), reason));
  }

  private moveTo(next: TaskState, now: Date): void {
    if (!TRANSITIONS[this.snapshot.state].includes(next)) {
      throw new IllegalTransitionError(this.snapshot.id, this.snapshot.state, next);
    }
    this.snapshot.state = next;
    this.snapshot.updatedAt = now.toISOString();
  }

  private assertState(expected: TaskState, action: string): void {
    if (this.snapshot.state !== expected) {
      throw new Error(`Task ${this.snapshot.id} is ${this.snapshot.state} and cannot ${action}`);
    }
  }

  private route(now: Date): TaskEventRoute {
    const { id, assetId, ownerId, sessionId } = this.snapshot;
    return [id, assetId, ownerId, sessionId, now];
  }
}
