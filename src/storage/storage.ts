/** A stored blob, addressed by the SHA-256 of its bytes. */
export interface StoredBlob {
  sha256: string;
  bytes: number;
}

/**
 * Where bytes live. Blobs are content-addressed (same bytes, one copy) and written
 * atomically: a reader never sees half a file.
 */
export interface Storage {
  /** A fresh, unused path under the data dir's temp folder; the caller writes there, then calls `putFile` or removes it. */
  tempPath(suffix?: string): string;
  /** A fresh empty temp folder (a step's work dir); remove it with `removeTemp`. */
  makeTempDir(prefix: string): Promise<string>;
  /** Removes a temp file or folder; missing is fine. */
  removeTemp(path: string): Promise<void>;
  /**
   * Moves a finished temp file into the store under its hash. `sha256` is given when the caller
   * already hashed it while writing (uploads); otherwise the file is hashed here.
   */
  putFile(tempPath: string, sha256?: string): Promise<StoredBlob>;
  /**
   * Runs `use` with a local file for each blob, to read or hard-link from: the local store's own
   * files, or (S3) copies fetched into this process's size-capped cache, kept there until `use`
   * ends (then they may be evicted: link or copy what must stay).
   */
  withLocalCopies<T>(blobs: readonly string[], use: (paths: string[]) => Promise<T>): Promise<T>;
  /** Size in bytes, or undefined when the blob is missing. */
  size(sha256: string): Promise<number | undefined>;
  /** How a download of the blob is answered (see BlobSource). */
  source(sha256: string, download: { filename: string; contentType: string }): Promise<BlobSource>;
}

/**
 * Where a download's bytes come from: a local file (sent with express's `sendFile`), a stream of
 * an inclusive byte range from elsewhere, or a short-lived URL to send the client to.
 */
export type BlobSource =
  | { kind: 'file'; path: string }
  | { kind: 'stream'; open(range?: { start: number; end: number }): Promise<NodeJS.ReadableStream> }
  | { kind: 'redirect'; url: string };

export const STORAGE = Symbol('STORAGE');
