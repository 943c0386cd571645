import type { StepName, TaskErrorInfo, TaskType } from './tasks.contract';

/**
 * The realtime contract: every event the `/realtime` Socket.IO namespace emits, with its
 * payload. Connect with `io(url + REALTIME_NAMESPACE, { auth: { token, lastEventId } })`.
 */
export const REALTIME_NAMESPACE = '/realtime';

/** The `message` of the connect error when the token is missing, forged, expired or logged out. */
export const UNAUTHORIZED = 'unauthorized';

/** The `message` of the connect error when a browser page of an origin not allowed (KILN_CORS_ORIGINS) connects. */
export const ORIGIN_NOT_ALLOWED = 'origin not allowed';

/** Fields every task event carries. */
export interface TaskEventBase {
  /** The session stream's entry id (`<ms>-<seq>`): increases per session; pass the last one seen as `lastEventId` to resume. */
  eventId: string;
  taskId: string;
  assetId: string;
  /** When the event happened, ISO 8601. */
  at: string;
}

export interface TaskQueuedEvent extends TaskEventBase {
  type: TaskType;
  /** 1 for the first run, n+1 on each retry. */
  attempt: number;
}

export interface TaskStartedEvent extends TaskEventBase {
  attempt: number;
}

export interface TaskProgressEvent extends TaskEventBase {
  /** The step that moved. */
  step: StepName;
  /** Whole-task progress, 0-100. */
  progress: number;
  /**
   * Present when `step` ended: the names of the outputs it left on the asset, stored and
   * downloadable from now on (also if a later step fails).
   */
  outputs?: string[];
}

export interface TaskSucceededEvent extends TaskEventBase {
  /** Names of the asset's outputs this task wrote, e.g. `thumbnail.png`. */
  outputs: string[];
}

export interface TaskFailedEvent extends TaskEventBase {
  error: TaskErrorInfo;
  /** True when the task goes back to `queued` for another attempt. */
  willRetry: boolean;
  /** Names of the outputs the task left before it failed (earlier steps' outputs are kept). */
  outputs: string[];
}

export interface TaskCancelledEvent extends TaskEventBase {
  reason?: string;
}

/**
 * Sent first, instead of the replay, to a socket whose `lastEventId` is older than the oldest
 * event its session's stream still keeps (`KILN_STREAM_MAX_EVENTS`, `KILN_STREAM_TTL_S`): events
 * after it may have been lost. Reload the state over REST (e.g. `GET /tasks`, `GET /assets`),
 * then apply the live events that follow; their `eventId`s are the ones to resume from.
 */
export interface ResyncEvent {
  /** `trimmed`: the stream dropped its oldest events; `expired`: the stream is gone (no event for `KILN_STREAM_TTL_S`). */
  reason: 'trimmed' | 'expired';
  /** The oldest event the stream still keeps (`trimmed` only). */
  oldestEventId?: string;
  /** When the server decided, ISO 8601. */
  at: string;
}

/** Task events, one per task domain event: stored in the session stream and replayed. */
export interface TaskServerEvents {
  'task.queued': (event: TaskQueuedEvent) => void;
  'task.started': (event: TaskStartedEvent) => void;
  'task.progress': (event: TaskProgressEvent) => void;
  'task.succeeded': (event: TaskSucceededEvent) => void;
  'task.failed': (event: TaskFailedEvent) => void;
  'task.cancelled': (event: TaskCancelledEvent) => void;
}

/** Server → client events: the task events, and `resync` when a replay cannot be complete. */
export interface ServerToClientEvents extends TaskServerEvents {
  /** Reload the state over REST (e.g. `GET /tasks`), then live events follow. See ResyncEvent. */
  resync: (event: ResyncEvent) => void;
}

/** The name of a task event (stored and replayed; `resync` is not one). */
export type RealtimeEventName = keyof TaskServerEvents;

/** Every event name, in the order a task can raise them. */
export const REALTIME_EVENT_NAMES = [
  'task.queued',
  'task.started',
  'task.progress',
  'task.succeeded',
  'task.failed',
  'task.cancelled',
] as const satisfies readonly RealtimeEventName[];

export type RealtimeEventPayload<N extends RealtimeEventName> = Parameters<
  ServerToClientEvents[N]
>[0];

/** An event as stored and relayed: its name paired with its payload. */
export type RealtimeEvent = {
  [N in RealtimeEventName]: { name: N; payload: RealtimeEventPayload<N> };
}[RealtimeEventName];

/** Client → server events: none yet; the socket only listens. */
export type ClientToServerEvents = Record<string, never>;

/** What the client passes as `auth` in the handshake. */
export interface HandshakeAuth {
  token: string;
  /**
   * Replay every event of the session after this id before the live ones; `resync` instead
   * when the stream no longer reaches back to it. Not a stream id (`<ms>-<seq>`): ignored.
   */
  lastEventId?: string;
}
