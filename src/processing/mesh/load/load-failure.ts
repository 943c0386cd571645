import { ProcessingError } from '../../processing.error';
import { meshEmpty, meshParseFailed, meshUnsupported } from '../mesh-errors';

// The three-based loaders' messages, in one wording: the file first, then what is wrong.

/** `MESH_PARSE_FAILED`: the file cannot be read as its format (truncated, corrupt, not what it claims). */
export function unreadableFile(file: string, format: string, problem: string): ProcessingError {
  return meshParseFailed(`${file} is not a readable ${format} file: ${problem}`);
}

/** `MESH_EMPTY`: the file was read but holds no triangle. */
export function emptyFile(file: string, detail = 'it holds no triangles'): ProcessingError {
  return meshEmpty(`${file} has nothing to show: ${detail}`);
}

/** `MESH_UNSUPPORTED`: a format version Kiln does not read. */
export function unsupportedFile(file: string, problem: string): ProcessingError {
  return meshUnsupported(`${file}: ${problem}`);
}

/**
 * Runs a loader's work and turns anything it throws that is not already a ProcessingError (three's
 * loaders throw TypeErrors and RangeErrors on garbage) into `MESH_PARSE_FAILED` naming the file.
 * An abort is passed on as it is.
 */
export async function asParseFailure<T>(
  file: string,
  format: string,
  signal: AbortSignal,
  work: () => Promise<T> | T,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (error instanceof ProcessingError) throw error;
    throw unreadableFile(file, format, describeError(error));
  }
}

/** A thrown value as one short line (three's messages carry a `THREE.XLoader:` prefix we drop). */
export function describeError(error: unknown): string {
  const message =
    error instanceof Error || (typeof error === 'object' && error !== null && 'message' in error)
      ? String(error.message)
      : String(error);
  return (
    message
      .replace(/^THREE\.\w+:\s*/, '')
      .split('\n')[0]
      .slice(0, 300) || 'unknown error'
  );
}
