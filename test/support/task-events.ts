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
