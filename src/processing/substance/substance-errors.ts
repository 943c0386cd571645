import { ProcessingError } from '../processing.error';

/**
 * The Substance failures (see `TASK_ERROR_CODES`). Neither is retried: the archive itself is the
 * problem. Each message names what is wrong; callers pass that sentence.
 */
export const SUBSTANCE_PARSE_FAILED = 'SUBSTANCE_PARSE_FAILED';
export const SUBSTANCE_TOO_LARGE = 'SUBSTANCE_TOO_LARGE';

/** The .sbsar cannot be read: not a 7z, truncated, corrupt, encrypted, or no readable manifest. */
export function substanceParseFailed(message: string): ProcessingError {
  return new ProcessingError(SUBSTANCE_PARSE_FAILED, message);
}

/** The archive declares more entries or bytes than Kiln extracts; the message names the limit. */
export function substanceTooLarge(message: string): ProcessingError {
  return new ProcessingError(SUBSTANCE_TOO_LARGE, message);
}
