import type { ClientErrorCode, RestErrorCode, TaskErrorCode } from '../../src/contract/index';
import type { Task } from './rest-types';

/**
 * A REST call Kiln refused (`status` 4xx/5xx, `code` from its body, e.g. `TASK_NOT_FOUND`), or
 * one that never got an answer (`status` 0, `code` `NETWORK_ERROR`). Branch on `code`.
 */
export class KilnApiError extends Error {
  override readonly name = 'KilnApiError';
  constructor(
    /** The HTTP status; 0 when there was no answer. */
    readonly status: number,
    /** Stable: one of `REST_ERROR_CODES`, `NETWORK_ERROR`, or `HTTP_<status>`. */
    readonly code: RestErrorCode | ClientErrorCode | (string & {}),
    message: string,
  ) {
    super(message);
  }
}

/**
 * `done(taskId)` for a task that did not succeed: `code` is the task's error code (e.g.
 * `IMAGE_CORRUPT`, `STEP_TIMEOUT`) or `TASK_CANCELLED`; `task` is the task as it ended.
 */
export class KilnTaskError extends Error {
  override readonly name = 'KilnTaskError';
  constructor(
    readonly code: TaskErrorCode | ClientErrorCode | (string & {}),
    message: string,
    readonly task: Task,
  ) {
    super(message);
  }
}
