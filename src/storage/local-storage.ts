import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { KILN_CONFIG, KilnConfig } from '../config/kiln-config';
import {
  folderName,
  isProvablyDead,
  ownStamp,
  parseFolderName,
  type ProcessStamp,
} from './process-temp-folder';
import { removeFile, removeFileOrTree, removeTree } from './remove-tree';
import type { BlobSource, Storage, StoredBlob } from './storage';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Files and folders directly in `tmp/` are from before the per-process folders. No process of
 * that layout writes to one for a day (uploads and steps are bounded far below that), so older
 * ones are swept; younger ones may belong to an old process still running beside a new one.
 */
export const LEGACY_TEMP_MAX_AGE_MS = 24 * 3600 * 1000;

/**
 * The Storage on the local filesystem: blobs at `{dataDir}/blobs/sha256/<2 hex>/<64 hex>`,
 * temp files in a folder of this process's own under `{dataDir}/tmp` (see
 * process-temp-folder.ts). Both live on one filesystem, so `putFile` is a rename and a reader
 * never sees half a blob. At start-up it removes the temp folders of processes that are
 * provably dead; at shutdown, its own.
 */
@Injectable()
export class LocalStorage implements Storage, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(LocalStorage.name);
  readonly blobsDir: string;
  /** Shared by every process using the data dir; holds one folder per process. */
  readonly tmpDir: string;
  /** This process's own temp folder: everything `tempPath` and `makeTempDir` hand out. */
  readonly processTmpDir: string;

  private readonly stamp: ProcessStamp = ownStamp();

  constructor(@Inject(KILN_CONFIG) config: Pick<KilnConfig, 'dataDir'>) {
    this.blobsDir = join(config.dataDir, 'blobs', 'sha256');
    this.tmpDir = join(config.dataDir, 'tmp');
    this.processTmpDir = join(this.tmpDir, folderName(this.stamp));
  }

  async onModuleInit(): Promise<void> {
    // A folder of our very name can only be left from before a reboot: nothing in it is ours.
    await removeTree(this.processTmpDir);
    await this.createFolders();
    await this.sweepTemp();
  }

  /** Nothing in this process's temp folder outlives it: requests and tasks have ended by now. */
  async onApplicationShutdown(): Promise<void> {
    await removeTree(this.processTmpDir);
  }

  /** Creates the blob and temp folders; safe to call again. */
  async createFolders(): Promise<void> {
    await mkdir(this.blobsDir, { recursive: true });
    await mkdir(this.processTmpDir, { recursive: true });
  }

  /**
   * Removes the temp folders of this host's processes that are provably dead, and legacy
   * entries older than LEGACY_TEMP_MAX_AGE_MS. Answers the names it removed.
   */
  async sweepTemp(now = Date.now()): Promise<string[]> {
    const removed: string[] = [];
    for (const name of await readdir(this.tmpDir)) {
      const path = join(this.tmpDir, name);
      const owner = parseFolderName(name);
      const dead = owner
        ? owner.host === this.stamp.host && path !== this.processTmpDir && isProvablyDead(owner)
        : await olderThan(path, now - LEGACY_TEMP_MAX_AGE_MS);
      if (!dead) continue;
      await removeTree(path);
      removed.push(name);
    }
    if (removed.length > 0) {
      this.logger.log(
        `Removed ${removed.length} temporary file(s) or folder(s) of stopped processes from ${this.tmpDir}`,
      );
    }
    return removed;
  }

  tempPath(suffix = ''): string {
    if (suffix !== basename(suffix)) throw new Error(`A temp suffix cannot hold a path: ${suffix}`);
    return join(this.processTmpDir, `${randomUUID()}${suffix}`);
  }

  async makeTempDir(prefix: string): Promise<string> {
    if (prefix !== basename(prefix)) throw new Error(`A temp prefix cannot hold a path: ${prefix}`);
    return mkdtemp(join(this.processTmpDir, `${prefix}-`));
  }

  async removeTemp(path: string): Promise<void> {
    // Refuses anything outside this process's temp folder: a wrong path here would delete real
    // data, or another process's work.
    const inside = relative(this.processTmpDir, resolve(path));
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
      throw new Error(`Refusing to remove ${path}: it is not inside ${this.processTmpDir}`);
    }
    await removeFileOrTree(path);
  }

  async putFile(tempPath: string, sha256?: string): Promise<StoredBlob> {
    const hash = sha256 === undefined ? await hashFile(tempPath) : checkedSha256(sha256);
    const { size: bytes } = await stat(tempPath);
    const target = this.localPath(hash);
    const existing = await this.size(hash);
    if (existing === bytes) {
      // Same hash, same size: the store already holds these bytes.
      await removeFile(tempPath);
      return { sha256: hash, bytes };
    }
    await mkdir(dirname(target), { recursive: true });
    await this.moveInto(tempPath, target);
    return { sha256: hash, bytes };
  }

  localPath(sha256: string): string {
    const hash = checkedSha256(sha256);
    return join(this.blobsDir, hash.slice(0, 2), hash);
  }

  async withLocalCopies<T>(
    blobs: readonly string[],
    use: (paths: string[]) => Promise<T>,
  ): Promise<T> {
    return use(blobs.map((sha256) => this.localPath(sha256)));
  }

  source(sha256: string): Promise<BlobSource> {
    return Promise.resolve({ kind: 'file', path: this.localPath(sha256) });
  }

  async size(sha256: string): Promise<number | undefined> {
    try {
      return (await stat(this.localPath(sha256))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Renames into place; a file from another filesystem is first copied into our temp folder. */
  private async moveInto(source: string, target: string): Promise<void> {
    try {
      await rename(source, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      const staged = this.tempPath('.staged');
      try {
        await copyFile(source, staged);
        await rename(staged, target);
      } finally {
        await rm(staged, { force: true });
      }
      await rm(source, { force: true });
    }
  }
}

async function olderThan(path: string, cutoffMs: number): Promise<boolean> {
  try {
    return (await stat(path)).mtimeMs < cutoffMs;
  } catch {
    return false; // gone already
  }
}

export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function checkedSha256(sha256: string): string {
  const hash = sha256.toLowerCase();
  // Checked because the hash becomes a path: anything but 64 hex digits could walk out of the store.
  if (!SHA256_HEX.test(hash))
    throw new Error(`Not a SHA-256 hex digest: ${JSON.stringify(sha256)}`);
  return hash;
}
