import { Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Blobs fetched from a remote store, kept on local disk under a byte cap, least recently used
 * evicted first. One file per blob, named by its hash; a fetch lands in a `.part` file and is
 * renamed in only once its SHA-256 matches, so a reader never sees half a blob. Concurrent
 * fetches of one blob share one download.
 *
 * An evicted file is only unlinked: a task folder holding a hard link to it (step-folder.ts)
 * keeps its bytes, so no pinning is needed.
 */
export class BlobCache {
  private readonly logger = new Logger(BlobCache.name);
  /** Hash → bytes, in order of last use (a Map keeps insertion order; a use re-inserts). */
  private readonly entries = new Map<string, number>();
  private readonly fetching = new Map<string, Promise<string>>();
  /** Hash → holders: a held blob is never evicted (see `holding`). */
  private readonly pins = new Map<string, number>();
  private total = 0;

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {}

  /** Creates the folder, drops partial fetches, and indexes what an earlier run left, oldest first. */
  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const found: Array<{ name: string; bytes: number; used: number }> = [];
    for (const name of await readdir(this.dir)) {
      const path = join(this.dir, name);
      if (!/^[0-9a-f]{64}$/.test(name)) {
        await rm(path, { recursive: true, force: true });
        continue;
      }
      const info = await stat(path);
      found.push({ name, bytes: info.size, used: info.mtimeMs });
    }
    found.sort((a, b) => a.used - b.used);
    for (const { name, bytes } of found) this.remember(name, bytes);
    await this.evict();
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.total;
  }

  /** Hashes held, least recently used first. */
  held(): string[] {
    return [...this.entries.keys()];
  }

  pathOf(sha256: string): string {
    return join(this.dir, sha256);
  }

  /**
   * Runs `use` with the local paths of the blobs, fetched as needed, none of them evicted until
   * it ends (a task lays them out, by hard link, meanwhile).
   */
  async holding<T>(
    blobs: readonly string[],
    download: (sha256: string) => Promise<NodeJS.ReadableStream>,
    use: (paths: string[]) => Promise<T>,
  ): Promise<T> {
    for (const sha256 of blobs) this.pins.set(sha256, (this.pins.get(sha256) ?? 0) + 1);
    try {
      const paths: string[] = [];
      for (const sha256 of blobs) paths.push(await this.get(sha256, () => download(sha256)));
      return await use(paths);
    } finally {
      for (const sha256 of blobs) {
        const left = (this.pins.get(sha256) ?? 1) - 1;
        if (left > 0) this.pins.set(sha256, left);
        else this.pins.delete(sha256);
      }
      await this.evict();
    }
  }

  /**
   * The local path of the blob, fetched with `download` (a stream of its bytes) when not held.
   * The bytes must hash to `sha256`, or the fetch fails and nothing is kept.
   */
  async get(sha256: string, download: () => Promise<NodeJS.ReadableStream>): Promise<string> {
    const bytes = this.entries.get(sha256);
    if (bytes !== undefined) {
      this.touch(sha256, bytes);
      return this.pathOf(sha256);
    }
    let pending = this.fetching.get(sha256);
    if (!pending) {
      pending = this.fetch(sha256, download).finally(() => this.fetching.delete(sha256));
      this.fetching.set(sha256, pending);
    }
    return pending;
  }

  /**
   * Moves a file known to hold the blob's bytes (one just stored) into the cache, so a task here
   * does not fetch it back. Answers false, touching nothing, when it is held already or the file
   * is on another filesystem; the caller then removes it.
   */
  async adopt(sha256: string, path: string, bytes: number): Promise<boolean> {
    if (this.entries.has(sha256) || this.fetching.has(sha256)) return false;
    try {
      await rename(path, this.pathOf(sha256));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EXDEV') return false;
      throw error;
    }
    this.remember(sha256, bytes);
    await this.evict(sha256);
    return true;
  }

  private async fetch(
    sha256: string,
    download: () => Promise<NodeJS.ReadableStream>,
  ): Promise<string> {
    const part = join(this.dir, `${randomUUID()}.part`);
    const hash = createHash('sha256');
    let bytes = 0;
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        bytes += chunk.length;
        callback(null, chunk);
      },
    });
    try {
      await pipeline(await download(), hashing, createWriteStream(part));
      const got = hash.digest('hex');
      if (got !== sha256) throw new Error(`Blob ${sha256} arrived with SHA-256 ${got}`);
      await rename(part, this.pathOf(sha256));
    } catch (error) {
      await rm(part, { force: true });
      throw error;
    }
    this.remember(sha256, bytes);
    await this.evict(sha256);
    return this.pathOf(sha256);
  }

  private remember(sha256: string, bytes: number): void {
    this.entries.set(sha256, bytes);
    this.total += bytes;
  }

  private touch(sha256: string, bytes: number): void {
    this.entries.delete(sha256);
    this.entries.set(sha256, bytes);
    // The order survives a restart through the file's mtime.
    const now = new Date();
    void utimes(this.pathOf(sha256), now, now).catch(() => undefined);
  }

  /** Drops the least recently used blobs until under the cap; never `keep`, just fetched, nor a held one. */
  private async evict(keep?: string): Promise<void> {
    for (const [sha256, bytes] of this.entries) {
      if (this.total <= this.maxBytes) return;
      if (sha256 === keep || this.pins.has(sha256)) continue;
      this.entries.delete(sha256);
      this.total -= bytes;
      await rm(this.pathOf(sha256), { force: true });
    }
    if (this.total > this.maxBytes)
      this.logger.warn(
        `The cache holds ${this.total} bytes in use, over KILN_CACHE_MAX_BYTES; freed when released`,
      );
  }
}
