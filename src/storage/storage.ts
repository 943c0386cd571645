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
  /** A local path to read the blob from (the local store's own file). */
  localPath(sha256: string): string;
  /** Size in bytes, or undefined when the blob is missing. */
  size(sha256: string): Promise<number | undefined>;
}

export const STORAGE = Symbol('STORAGE');
