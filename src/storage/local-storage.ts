import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { KILN_CONFIG, KilnConfig } from '../config/kiln-config';
import { Storage, StoredBlob } from './storage';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The Storage on the local filesystem: blobs at `{dataDir}/blobs/sha256/<2 hex>/<64 hex>`,
 * temp files in `{dataDir}/tmp`. Both live on one filesystem, so `putFile` is a rename and a
 * reader never sees half a blob.
 */
@Injectable()
export class LocalStorage implements Storage, OnModuleInit {
  readonly blobsDir: string;
  readonly tmpDir: string;

  constructor(@Inject(KILN_CONFIG) config: Pick<KilnConfig, 'dataDir'>) {
    this.blobsDir = join(config.dataDir, 'blobs', 'sha256');
    this.tmpDir = join(config.dataDir, 'tmp');
  }

  async onModuleInit(): Promise<void> {
    await this.createFolders();
  }

  /** Creates the blob and temp folders; safe to call again. */
  async createFolders(): Promise<void> {
    await mkdir(this.blobsDir, { recursive: true });
    await mkdir(this.tmpDir, { recursive: true });
  }

  tempPath(suffix = ''): string {
    if (suffix !== basename(suffix)) throw new Error(`A temp suffix cannot hold a path: ${suffix}`);
    return join(this.tmpDir, `${randomUUID()}${suffix}`);
  }

  async makeTempDir(prefix: string): Promise<string> {
    if (prefix !== basename(prefix)) throw new Error(`A temp prefix cannot hold a path: ${prefix}`);
    return mkdtemp(join(this.tmpDir, `${prefix}-`));
  }

  async removeTemp(path: string): Promise<void> {
    // Refuses anything outside the temp folder: a wrong path here would delete real data.
    const inside = relative(this.tmpDir, resolve(path));
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
      throw new Error(`Refusing to remove ${path}: it is not inside ${this.tmpDir}`);
    }
    await rm(path, { recursive: true, force: true });
  }

  async putFile(tempPath: string, sha256?: string): Promise<StoredBlob> {
    const hash = sha256 === undefined ? await hashFile(tempPath) : checkedSha256(sha256);
    const { size: bytes } = await stat(tempPath);
    const target = this.localPath(hash);
    const existing = await this.size(hash);
    if (existing === bytes) {
      // Same hash, same size: the store already holds these bytes.
      await rm(tempPath, { force: true });
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

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function checkedSha256(sha256: string): string {
  const hash = sha256.toLowerCase();
  // Checked because the hash becomes a path: anything but 64 hex digits could walk out of the store.
  if (!SHA256_HEX.test(hash))
    throw new Error(`Not a SHA-256 hex digest: ${JSON.stringify(sha256)}`);
  return hash;
}
