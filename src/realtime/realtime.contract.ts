/**
 * The realtime contract: every event the `/realtime` Socket.IO namespace emits, with its
 * payload. The server and the client SDK both import this file, so it imports nothing.
 *
 * Connect with `io(url + REALTIME_NAMESPACE, { auth: { token, lastEventId } })`.
 */

export const REALTIME_NAMESPACE = '/realtime';

/** The `message` of the connect error when the token is missing, forged, expired or logged out. */
export const UNAUTHORIZED = 'unauthorized';

export type AssetKind = 'image' | 'mesh' | 'texture-set' | 'substance';

/** One step of a pipeline; also a task type of its own when run alone (`POST /assets/:id/tasks`). */
export type StepName = 'inspect' | 'convert' | 'optimize' | 'render' | 'pack' | 'variants';

/** `process` runs the asset kind's whole pipeline; a step name runs that step alone. */
export type TaskType = 'process' | StepName;

export type TaskState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface TaskErrorInfo {
  /** Stable, e.g. `IMAGE_CORRUPT`, `IMAGE_TOO_LARGE`, `STEP_TIMEOUT`. */
  code: string;
  /** What happened and what to do about it, for a person. */
  message: string;
}

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
  /** The step now running. */
  step: StepName;
  /** Whole-task progress, 0-100. */
  progress: number;
}

export interface TaskSucceededEvent extends TaskEventBase {
  /** Names of the asset's outputs this task wrote, e.g. `thumbnail.png`. */
  outputs: string[];
}

export interface TaskFailedEvent extends TaskEventBase {
  error: TaskErrorInfo;
  /** True when the task goes back to `queued` for another attempt. */
  willRetry: boolean;
}

export interface TaskCancelledEvent extends TaskEventBase {
  reason?: string;
}

/** Server → client events, one per task domain event. */
export interface ServerToClientEvents {
  'task.queued': (event: TaskQueuedEvent) => void;
  'task.started': (event: TaskStartedEvent) => void;
  'task.progress': (event: TaskProgressEvent) => void;
  'task.succeeded': (event: TaskSucceededEvent) => void;
  'task.failed': (event: TaskFailedEvent) => void;
  'task.cancelled': (event: TaskCancelledEvent) => void;
}

export type RealtimeEventName = keyof ServerToClientEvents;

export type RealtimeEventPayload<N extends RealtimeEventName> = Parameters<
  ServerToClientEvents[N]
>[0];

/** Client → server events: none yet; the socket only listens. */
export type ClientToServerEvents = Record<string, never>;

/** What the client passes as `auth` in the handshake. */
export interface HandshakeAuth {
  token: string;
  /** Replay every event of the session after this id before the live ones. */
  lastEventId?: string;
}
