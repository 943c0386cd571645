import { KilnApiError, KilnTaskError } from '@kiln/client';

/**
 * What each stable error code means to a person looking at the dashboard. The server's own
 * message follows it where it adds something (which file, which limit).
 */
const WORDS: Record<string, string> = {
  NETWORK_ERROR:
    'Kiln cannot be reached right now. Check the connection; the page retries by itself.',
  INVALID_CREDENTIALS: 'That username and password do not match.',
  TOO_MANY_ATTEMPTS: 'Too many failed sign-ins. Wait a while before trying again.',
  USERNAME_TAKEN: 'That username is taken. Pick another one, or sign in.',
  UNAUTHORIZED: 'Your session has ended. Sign in again.',
  BAD_REQUEST: 'Kiln could not accept that.',
  BAD_UPLOAD: 'The upload was not complete or not well formed. Try again.',
  UPLOAD_TOO_LARGE: 'A file is larger than this Kiln accepts.',
  ARCHIVE_TOO_LARGE: 'The archive unpacks to more than this Kiln accepts.',
  UNSUPPORTED_KIND:
    'Kiln does not know what to do with this file. It takes 3D models (.obj, .fbx, .gltf, .glb, .stl, .ply, .dae), images, texture sets in a .zip and Substance .sbsar files.',
  UNSAFE_ARCHIVE: 'The archive holds paths that would land outside its folder, so it was refused.',
  ARCHIVE_UNREADABLE: 'The archive could not be opened: it looks damaged.',
  UPLOAD_IDLE_TIMEOUT: 'The upload stalled and was stopped. Try again.',
  PAYLOAD_TOO_LARGE: 'That request is too large.',
  MESH_PARSE_FAILED:
    'The model could not be read: the file looks damaged, or is not what its name says.',
  MESH_EMPTY: 'The model has nothing to show: no triangles were found in it.',
  MESH_UNSUPPORTED:
    'This version of the format is not supported (glTF 1.0 or FBX before 7.0). Export it again from a newer tool.',
  MESH_TOO_LARGE: 'The model is too large to process here.',
  MESH_INVALID:
    'Kiln made a broken web model from this file. This is a bug in Kiln; the details below help fix it.',
  IMAGE_CORRUPT:
    'The image could not be read: the file looks damaged, or is not what its name says.',
  IMAGE_TOO_LARGE: 'The image has more pixels than this Kiln accepts.',
  INPUT_MISSING: 'A file the asset needs is missing.',
  UNSAFE_PATH: 'The asset names a file outside its own folder, which Kiln never reads.',
  STEP_TIMEOUT: 'Processing took too long and was stopped.',
  STEP_CRASHED: 'Processing crashed on this file.',
  STEP_NOT_SUPPORTED: 'That step does not apply to this kind of asset.',
  WORKER_LOST: 'The worker running this task went away. Retry it.',
  WORKER_STOPPED: 'The worker running this task was shut down. Retry it.',
  TASK_CANCELLED: 'The task was cancelled.',
  TASK_ALREADY_FINISHED: 'The task had already finished, so there was nothing to cancel.',
  TASK_NOT_RETRYABLE: 'Only a failed or cancelled task can be retried.',
  TASK_NOT_FOUND: 'That task does not exist (any more).',
  ASSET_NOT_FOUND: 'That asset does not exist, or it is not yours.',
  OUTPUT_NOT_FOUND: 'That file is not there (yet).',
  INTERNAL: 'Something went wrong inside Kiln.',
};

/** A headline for an error code, or undefined when the code has none. */
export function wordsFor(code: string): string | undefined {
  return WORDS[code];
}

/** One readable sentence or two for anything thrown by the SDK (or anything else). */
export function describeError(error: unknown): string {
  if (error instanceof KilnApiError || error instanceof KilnTaskError) {
    return withDetail(wordsFor(error.code), error.message);
  }
  return error instanceof Error ? error.message : String(error);
}

/** A task's `{code, message}` in words. */
export function describeTaskError(error: { code: string; message: string }): string {
  return withDetail(wordsFor(error.code), error.message);
}

function withDetail(headline: string | undefined, detail: string): string {
  if (!headline) return detail;
  if (!detail || detail === headline || /could not be reached/.test(detail)) return headline;
  return `${headline} (${detail.replace(/\.$/, '')}.)`;
}
