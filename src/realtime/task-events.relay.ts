import { Logger } from '@nestjs/common';
import { EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import {
  type AnyTaskEvent,
  TaskCancelled,
  TaskFailed,
  TaskProgressed,
  TaskQueued,
  TaskStarted,
  TaskSucceeded,
} from '../tasks/events/task-events';
import type { RealtimeEventName, TaskEventBase } from '../contract';
import { SessionStream } from './session-stream';

type Outgoing = [RealtimeEventName, Omit<TaskEventBase, 'eventId'> & Record<string, unknown>];

/** Relays every task domain event to its session's stream and channel, as the contract names it. */
@EventsHandler(TaskQueued, TaskStarted, TaskProgressed, TaskSucceeded, TaskFailed, TaskCancelled)
export class TaskEventsRelay implements IEventHandler<AnyTaskEvent> {
  private readonly logger = new Logger(TaskEventsRelay.name);

  constructor(private readonly stream: SessionStream) {}

  handle(event: AnyTaskEvent): Promise<void> {
    const [name, payload] = toContract(event);
    // Sent synchronously (the promise is only awaited for errors), so events keep their order.
    return this.stream.append(event.sessionId, name, payload).then(
      () => undefined,
      (error: unknown) =>
        this.logger.error(`Event ${name} of task ${event.taskId} was not relayed`, error),
    );
  }
}

function toContract(event: AnyTaskEvent): Outgoing {
  const base = { taskId: event.taskId, assetId: event.assetId, at: event.at.toISOString() };
  if (event instanceof TaskQueued)
    return ['task.queued', { ...base, type: event.type, attempt: event.attempt }];
  if (event instanceof TaskStarted) return ['task.started', { ...base, attempt: event.attempt }];
  if (event instanceof TaskProgressed)
    return ['task.progress', { ...base, step: event.step, progress: event.progress }];
  if (event instanceof TaskSucceeded)
    return ['task.succeeded', { ...base, outputs: event.outputs }];
  if (event instanceof TaskFailed)
    return ['task.failed', { ...base, error: event.error, willRetry: event.willRetry }];
  return ['task.cancelled', { ...base, ...(event.reason ? { reason: event.reason } : {}) }];
}
