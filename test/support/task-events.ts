import { waitFor } from './kiln-app';

/** An event as `connectRealtime` records it. */
export interface RecordedEvent {
  name: string;
  payload: Record<string, unknown>;
}

/** The event that ends the task for good (`task.failed` with a retry coming does not). */
export function endOf(events: RecordedEvent[], taskId: string): RecordedEvent | undefined {
  return events.find(
    (e) =>
      e.payload.taskId === taskId &&
      (e.name === 'task.succeeded' ||
        e.name === 'task.cancelled' ||
        (e.name === 'task.failed' && e.payload.willRetry === false)),
  );
}

/** The event ids, in order of arrival. */
export const eventIds = (events: RecordedEvent[]): string[] =>
  events.map((e) => e.payload.eventId as string);

/** The task's `task.succeeded` event, waited for on the socket's recorded events. */
export function succeeded(
  events: RecordedEvent[],
  taskId: string,
  timeoutMs: number,
): Promise<RecordedEvent> {
  return waitFor(
    `task.succeeded of ${taskId}`,
    () => events.find((e) => e.name === 'task.succeeded' && e.payload.taskId === taskId),
    timeoutMs,
  );
}

/** Each step that ended with outputs, as `[step, outputs]`, in the order the socket got them. */
export function stepOutputs(events: RecordedEvent[], taskId: string): Array<[string, unknown]> {
  return events
    .filter((e) => e.name === 'task.progress' && e.payload.taskId === taskId && e.payload.outputs)
    .map((e) => [e.payload.step as string, e.payload.outputs]);
}
