/**
 * Every stable error `code` Kiln answers. A REST failure carries one in its body; a failed task
 * carries one in `error.code`. Clients branch on these, never on messages.
 */
export const TASK_ERROR_CODES = [
  /** The bytes are not a readable image (truncated, lying header, not what they claim). */
  'IMAGE_CORRUPT',
  /** The image has more pixels than Kiln decodes. */
  'IMAGE_TOO_LARGE',
  /** The model file cannot be read as its format: truncated, corrupt, not what it claims. */
  'MESH_PARSE_FAILED',
  /** The model was read but holds nothing to show: no triangle, or no finite bounds. */
  'MESH_EMPTY',
  /** The model is over Kiln's limits (file size, triangles, memory); the message names the limit. */
  'MESH_TOO_LARGE',
  /** A format or format version Kiln does not read (an FBX older than 7.0, a required extension it lacks). */
  'MESH_UNSUPPORTED',
  /** The GLB Kiln made failed the Khronos glTF validator; a bug in Kiln, reported with the validator's first errors. */
  'MESH_INVALID',
  /** The .sbsar cannot be read: not a 7z archive, truncated, corrupt, encrypted, or no readable manifest. */
  'SUBSTANCE_PARSE_FAILED',
  /** The .sbsar lists more entries or unpacks to more bytes than Kiln extracts (see docs/decisions.md). */
  'SUBSTANCE_TOO_LARGE',
  /** A texture set with no file named as a PBR map (`_BaseColor`, `_Normal`, `_Roughness`, …). */
  'TEXTURE_SET_EMPTY',
  /** A step that needs an earlier step's output (`model.glb`) found none and could not make it. */
  'INPUT_MISSING',
  /** A step option is out of range or of the wrong type. */
  'INVALID_OPTIONS',
  /** The asset's kind has no such step. */
  'STEP_NOT_SUPPORTED',
  /** An asset's file path would leave its folder (`..`, absolute, a drive letter): not used. */
  'UNSAFE_PATH',
  /** A step ran past its time budget (`KILN_STEP_TIMEOUT_MS`). */
  'STEP_TIMEOUT',
  /** A step's thread died or hit a bug; retried. */
  'STEP_CRASHED',
  /** The worker running the task stopped; retried. */
  'WORKER_LOST',
  /** The worker was shut down and its grace ran out; the task is queued again, the attempt not counted. */
  'WORKER_STOPPED',
  /** A `bench` task reached a worker without `KILN_BENCH_STEPS=1` (or in production); not retried. */
  'BENCH_STEPS_DISABLED',
  /** Anything else; retried. */
  'INTERNAL',
] as const;
export type TaskErrorCode = (typeof TASK_ERROR_CODES)[number];

export const REST_ERROR_CODES = [
  'BAD_REQUEST',
  'BAD_UPLOAD',
  'UPLOAD_TOO_LARGE',
  /** An upload's body stopped moving for KILN_UPLOAD_IDLE_TIMEOUT_MS (408); nothing was kept. */
  'UPLOAD_IDLE_TIMEOUT',
  'UNSUPPORTED_KIND',
  /** A zip upload over KILN_ZIP_MAX_ENTRIES, KILN_ZIP_MAX_BYTES or KILN_ZIP_MAX_RATIO (413). */
  'ARCHIVE_TOO_LARGE',
  /** A zip entry that would escape its folder, a link or special file, a duplicate, a lying size (415). */
  'UNSAFE_ARCHIVE',
  /** A zip that cannot be read: truncated, corrupt, encrypted, or an unsupported compression (415). */
  'ARCHIVE_UNREADABLE',
  /** A JSON or form body over its limit (413); files go to POST /uploads. */
  'PAYLOAD_TOO_LARGE',
  /** A `Range` that no byte of the output satisfies (416, with `Content-Range: bytes *\/size`). */
  'RANGE_NOT_SATISFIABLE',
  'UNAUTHORIZED',
  /** A signed output URL (`?exp=…&sig=…`) past its expiry (401): list the outputs again for a fresh one. */
  'OUTPUT_URL_EXPIRED',
  'FORBIDDEN',
  'NOT_FOUND',
  'ASSET_NOT_FOUND',
  'OUTPUT_NOT_FOUND',
  'TASK_NOT_FOUND',
  'TASK_TYPE_NOT_SUPPORTED',
  /** A `bench` task asked of an API without `KILN_BENCH_STEPS=1`, or with NODE_ENV=production (400). */
  'BENCH_STEPS_DISABLED',
  /** POST /tasks/:id/cancel on a task that has already ended: succeeded, failed or cancelled (409). */
  'TASK_ALREADY_FINISHED',
  /** POST /tasks/:id/retry on a task that is neither failed nor cancelled (409). */
  'TASK_NOT_RETRYABLE',
  'INVALID_OPTIONS',
  'USERNAME_TAKEN',
  'INVALID_CREDENTIALS',
  /** Too many failed sign-ins for the username or from the address (429, with `Retry-After`). */
  'TOO_MANY_ATTEMPTS',
  'CONFLICT',
  'INTERNAL',
] as const;
export type RestErrorCode = (typeof REST_ERROR_CODES)[number];

/** Codes the client SDK raises itself, for outcomes that are not a server's error answer. */
export const CLIENT_ERROR_CODES = [
  /** `done(taskId)` on a task that ended `cancelled`. */
  'TASK_CANCELLED',
  /** The server could not be reached, or answered something that is not Kiln's JSON. */
  'NETWORK_ERROR',
] as const;
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

/** The body of every failing REST call. */
export interface ErrorBody {
  /** The HTTP status, repeated. */
  statusCode: number;
  /** Stable; one of `REST_ERROR_CODES` (or `HTTP_<status>` for a status Kiln does not name). */
  code: string;
  /** What happened and what to do, for a person. */
  message: string;
}
