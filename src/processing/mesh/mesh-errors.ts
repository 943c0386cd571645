import { ProcessingError } from '../processing.error';

/**
 * The mesh failures, one constructor per code (see `TASK_ERROR_CODES`). None is retried: the
 * input itself is the problem (`MESH_INVALID` is Kiln's, but running again makes the same file).
 * Each message names the file and says what is wrong; callers pass that sentence.
 */
export const MESH_PARSE_FAILED = 'MESH_PARSE_FAILED';
export const MESH_EMPTY = 'MESH_EMPTY';
export const MESH_TOO_LARGE = 'MESH_TOO_LARGE';
export const MESH_UNSUPPORTED = 'MESH_UNSUPPORTED';
export const MESH_INVALID = 'MESH_INVALID';
export const INPUT_MISSING = 'INPUT_MISSING';

/** The file cannot be read as its format: truncated, corrupt, not what it claims. */
export function meshParseFailed(message: string): ProcessingError {
  return new ProcessingError(MESH_PARSE_FAILED, message);
}

/** The model was read but has nothing to show: no triangle, or no finite bounds. */
export function meshEmpty(message: string): ProcessingError {
  return new ProcessingError(MESH_EMPTY, message);
}

/** The model is over one of Kiln's limits; the message names the limit. */
export function meshTooLarge(message: string): ProcessingError {
  return new ProcessingError(MESH_TOO_LARGE, message);
}

/** A format, version or required extension Kiln does not read. */
export function meshUnsupported(message: string): ProcessingError {
  return new ProcessingError(MESH_UNSUPPORTED, message);
}

/** The GLB Kiln wrote failed the Khronos validator (a bug in Kiln). */
export function meshInvalid(message: string): ProcessingError {
  return new ProcessingError(MESH_INVALID, message);
}

/** A step needs `model.glb` and found none it could use or make. */
export function inputMissing(message: string): ProcessingError {
  return new ProcessingError(INPUT_MISSING, message);
}
