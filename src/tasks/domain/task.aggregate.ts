import { AggregateRoot } from '@nestjs/cqrs';
import type { AssetKind, StepName, TaskErrorInfo, TaskState, TaskType } from '../../contract';
import {
  TaskCancelled,
  type TaskEvent,
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
  // POST /tasks/:id/retry: a new run, with a job of its own.
  failed: ['queued'],
  cancelled: ['queued'],
};

/**
 * The BullMQ job id of the run that starts with `attempt`: one job per run, so a retried task
 * gets a new job while its failed one is kept. BullMQ refuses ':' in custom ids, hence '.'.
 */
export function taskJobId(taskId: string, attempt: number): string {
  return `${taskId}.${attempt}`;
}

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
  /** The step that last moved; a finished task's last step (the failing one for a failure). */
  step: StepName | null;
  /** How many times it has started running. */
  attempts: number;
  error: TaskErrorInfo | null;
  /** Names of the outputs the task left on its asset so far, over all its attempts. */
  outputs: string[];
  /**
   * The BullMQ job of the current run (`taskJobId`); absent on records saved before runs had
   * jobs of their own, whose job id is the task id.
   */
  jobId?: string;
  createdAt: string;
  updatedAt: string;
}

export type NewTask = Pick<
  TaskSnapshot,
  'id' | 'assetId' | 'ownerId' | 'sessionId' | 'kind' | 'type' | 'options'
>;

/**
 * A task: one pipeline (or one step) run for one asset. Methods check the transition, change
 * the state and record a domain event; `TaskRepository.save` writes the state and appends its
 * recorded events in one step (the outbox), then clears them.
 */
export class Task extends AggregateRoot<TaskEvent> {
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
      jobId: taskJobId(fields.id, 1),
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

  /** The BullMQ job id of the current run. */
  get jobId(): string {
    return this.snapshot.jobId ?? this.snapshot.id;
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
    this.advance(step, progress, now);
    this.apply(new TaskProgressed(this.route(now), step, this.snapshot.progress));
  }

  /** A step ended and left `outputs` on the asset (already stored and recorded there). */
  stepEnded(step: StepName, outputs: string[], progress: number, now: Date): void {
    this.advance(step, progress, now);
    this.snapshot.outputs = [...new Set([...this.snapshot.outputs, ...outputs])];
    this.apply(new TaskProgressed(this.route(now), step, this.snapshot.progress, outputs));
  }

  /** Every step succeeded; `outputs` are the names they left, in step order. */
  succeed(outputs: string[], lastStep: StepName, now: Date): void {
    this.moveTo('succeeded', now);
    this.snapshot.progress = 100;
    this.snapshot.step = lastStep;
    this.snapshot.outputs = [...new Set([...outputs, ...this.snapshot.outputs])];
    this.apply(new TaskSucceeded(this.route(now), this.snapshot.outputs));
  }

  /**
   * A failed attempt: back to `queued` when another attempt follows, else `failed` for good,
   * naming the step that failed when one did. Outputs earlier steps left stay.
   */
  fail(error: TaskErrorInfo, willRetry: boolean, now: Date, step?: StepName): void {
    this.moveTo(willRetry ? 'queued' : 'failed', now);
    this.snapshot.error = error;
    if (step) this.snapshot.step = step;
    this.apply(new TaskFailed(this.route(now), error, willRetry, [...this.snapshot.outputs]));
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

  /**
   * A new run of a failed or cancelled task (POST /tasks/:id/retry): queued again with a job of
   * its own, from the start; outputs earlier runs left stay.
   */
  retry(now: Date): void {
    // running → queued is the automatic retry's move (`fail`), not a new run.
    if (this.snapshot.state === 'running') {
      throw new IllegalTransitionError(this.snapshot.id, 'running', 'queued');
    }
    this.moveTo('queued', now);
    this.snapshot.progress = 0;
    this.snapshot.step = null;
    this.snapshot.error = null;
    this.snapshot.jobId = taskJobId(this.snapshot.id, this.snapshot.attempts + 1);
    this.apply(new TaskQueued(this.route(now), this.snapshot.type, this.snapshot.attempts + 1));
  }

  private moveTo(next: TaskState, now: Date): void {
    if (!TRANSITIONS[this.snapshot.state].includes(next)) {
      throw new IllegalTransitionError(this.snapshot.id, this.snapshot.state, next);
    }
    this.snapshot.state = next;
    this.snapshot.updatedAt = now.toISOString();
  }

  private advance(step: StepName, progress: number, now: Date): void {
    this.assertState('running', 'report progress');
    this.snapshot.step = step;
    this.snapshot.progress = Math.max(this.snapshot.progress, Math.min(100, Math.round(progress)));
    this.snapshot.updatedAt = now.toISOString();
  }

  private assertState(expected: TaskState, action: string): void {
    if (this.snapshot.state !== expected) {
      throw new Error(`Task ${this.snapshot.id} is ${this.snapshot.state} and cannot ${action}`);
    }
  }

  private route(at: Date): TaskEventRoute {
    const { id: taskId, assetId, ownerId, sessionId } = this.snapshot;
    return { taskId, assetId, ownerId, sessionId, at };
  }
}
