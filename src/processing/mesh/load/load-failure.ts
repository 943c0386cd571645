import { ProcessingError } from '../../processing.error';

/** The file cannot be read as its format (truncated, corrupt, not what it claims). */
export function meshParseFailed(file: string, format: string, problem: string): ProcessingError {
  return new ProcessingError(
    'MESH_PARSE_FAILED',
    `${file} is not a readable ${format} file: ${problem}`,
  );
}

/** The file was read but holds no triangle. */
export function meshEmpty(file: string, detail = 'it holds no triangles'): ProcessingError {
  return new ProcessingError('MESH_EMPTY', `${file} has nothing to show: ${detail}`);
}

/** A format version Kiln does not read. */
export function meshUnsupported(file: string, problem: string): ProcessingError {
  return new ProcessingError('MESH_UNSUPPORTED', `${file}: ${problem}`);
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
    throw meshParseFailed(file, format, describeError(error));
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
