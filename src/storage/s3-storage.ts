import {
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import type { KilnConfig, S3Settings } from '../config/kiln-config';
import { BlobCache } from './blob-cache';
import { KnownObjects } from './known-objects';
import { removeFile } from './remove-tree';
import { checkedSha256, hashFile, LocalStorage } from './local-storage';
import type { BlobSource, Storage, StoredBlob } from './storage';

/**
 * Files up to this size go in one PutObject streamed from disk: one request, no part held in
 * memory, and no multipart upload that a crash could leave behind. Against s3rver a 35 MB file
 * takes a third of the time of a multipart upload, which writes and MD5s every byte twice (the
 * parts, then their concatenation). Larger files go in parts, several in flight.
 */
export const SINGLE_PUT_MAX_BYTES = 64 * 1024 * 1024;
/** Files up to this size are read whole and sent as one buffer (a small task's PNG, its outputs). */
const BUFFERED_PUT_MAX_BYTES = 1024 * 1024;
/**
 * Read size of a streamed PutObject: 1 MiB chunks halve Kiln's CPU for a 35 MB PUT (51 vs 119 ms
 * with the default 64 KiB: fewer reads, socket writes and event-loop turns).
 */
const STREAMED_PUT_CHUNK_BYTES = 1024 * 1024;
/** Attempts at a streamed PutObject: the SDK retries no streamed body (it cannot rewind one). */
const PUT_ATTEMPTS = 3;
/** Parts of a multipart upload (files over SINGLE_PUT_MAX_BYTES, or of unknown size). */
const PART_BYTES = 8 * 1024 * 1024;
/** Parts in flight at once per upload: memory is PART_BYTES × this. */
const PARTS_IN_FLIGHT = 4;
/**
 * How long a blob seen in the bucket is taken to be there without asking again (KnownObjects):
 * a small task stores its upload and three outputs, and against s3rver each HeadObject costs
 * ~1.6 ms of the server's CPU and ~0.9 ms of Kiln's. Short enough that an object removed by
 * hand or by a lifecycle rule is written again by the next store of its bytes after this.
 */
export const KNOWN_OBJECT_TTL_MS = 5 * 60 * 1000;
/** Sightings kept (about 150 bytes each). */
const KNOWN_OBJECTS_MAX = 10_000;
/** The header SigV4 signs a body by; when given, the SDK's signer takes it instead of hashing. */
export const PAYLOAD_HASH_HEADER = 'x-amz-content-sha256';
/** How long a presigned download URL works (KILN_S3_REDIRECT=1). */
export const PRESIGNED_URL_SECONDS = 300;

/** The bucket cannot be reached or used: start-up stops with this one line. */
export class StorageUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageUnavailableError';
  }
}

export function s3Client(settings: S3Settings): S3Client {
  return new S3Client({
    endpoint: settings.endpoint,
    region: settings.region,
    credentials: settings.credentials,
    forcePathStyle: settings.forcePathStyle,
    // Checksums only where S3 requires them: many S3-compatible servers do not read the
    // aws-chunked trailers the SDK sends by default since 3.729.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Answers when the bucket is there and ours to use; else throws StorageUnavailableError. */
export async function checkBucket(
  settings: S3Settings,
  client = s3Client(settings),
): Promise<void> {
  const where = `${settings.bucket} at ${settings.endpoint ?? `AWS S3 (${settings.region})`}`;
  try {
    await client.send(new HeadBucketCommand({ Bucket: settings.bucket }), {
      abortSignal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
    const reason =
      status === 404
        ? 'no such bucket'
        : status === 403 || status === 401
          ? 'access denied (check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY)'
          : status !== undefined
            ? `the server answered ${status}`
            : error instanceof Error
              ? `${error.name}: ${error.message}`
              : String(error);
    throw new StorageUnavailableError(`the bucket ${where} cannot be used: ${reason}`);
  }
}

/**
 * The Storage on an S3-compatible bucket: blobs at `blobs/sha256/<2 hex>/<64 hex>`. Temp files
 * and step folders stay local (a LocalStorage on the data dir, used for nothing else); a blob
 * read from here is fetched into the local BlobCache. An object appears only when its upload
 * completes (S3 has no half-written object), and a failed multipart upload is aborted.
 */
export class S3Storage implements Storage, OnModuleInit, OnApplicationShutdown {
  readonly client: S3Client;
  readonly bucket: string;
  readonly cache: BlobCache;
  /** Blobs this process saw in the bucket lately: their store asks the bucket nothing. */
  readonly known = new KnownObjects(KNOWN_OBJECT_TTL_MS, KNOWN_OBJECTS_MAX);
  private readonly local: LocalStorage;

  /** Whether stored files go into the cache (a process that runs tasks, not an `api`). */
  private readonly keepStored: boolean;

  constructor(
    config: Pick<KilnConfig, 'dataDir' | 'cacheDir' | 'cacheMaxBytes'> & {
      role?: KilnConfig['role'];
    },
    readonly settings: S3Settings,
  ) {
    this.keepStored = config.role !== undefined && config.role !== 'api';
    this.client = s3Client(settings);
    this.bucket = settings.bucket;
    this.local = new LocalStorage(config);
    this.cache = new BlobCache(config.cacheDir, config.cacheMaxBytes);
  }

  async onModuleInit(): Promise<void> {
    await this.local.onModuleInit();
    await this.cache.open();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.local.onApplicationShutdown();
    this.client.destroy();
  }

  /** The object key of a blob. */
  key(sha256: string): string {
    const hash = checkedSha256(sha256);
    return `blobs/sha256/${hash.slice(0, 2)}/${hash}`;
  }

  tempPath(suffix?: string): string {
    return this.local.tempPath(suffix);
  }

  makeTempDir(prefix: string): Promise<string> {
    return this.local.makeTempDir(prefix);
  }

  removeTemp(path: string): Promise<void> {
    return this.local.removeTemp(path);
  }

  async putFile(tempPath: string, sha256?: string): Promise<StoredBlob> {
    const hash = sha256 === undefined ? await hashFile(tempPath) : checkedSha256(sha256);
    const { size: bytes } = await stat(tempPath);
    // Never write an object the bucket holds: asked of the bucket unless seen there lately.
    if (!this.known.has(hash, bytes)) {
      if ((await this.size(hash)) !== bytes) {
        if (bytes <= SINGLE_PUT_MAX_BYTES) await this.putObjectFrom(hash, tempPath, bytes);
        else await this.upload(this.key(hash), createReadStream(tempPath), bytes);
      }
      this.known.add(hash, bytes);
    }
    // A process that runs tasks keeps the bytes it just stored: its next task needs no fetch.
    if (!(this.keepStored && (await this.cache.adopt(hash, tempPath, bytes))))
      await removeFile(tempPath);
    return { sha256: hash, bytes };
  }

  /**
   * Streams the file at `path` (`bytes` long, SHA-256 `sha256`) to its key in one PutObject. A
   * failed request leaves no object on S3 and MinIO, which store a PUT only once all its bytes
   * arrived (s3rver, a test server, keeps what came); a transient failure (5xx, a dropped
   * connection) is tried again from a fresh read of the file. The request is signed with the
   * body's SHA-256, which the blob's key already is: the SDK does not hash the body again (it did
   * for a buffer; a stream went unsigned), and S3 and MinIO refuse a body that does not match it
   * (s3rver does not check).
   */
  async putObjectFrom(sha256: string, path: string, bytes: number): Promise<void> {
    const put = (body: PutObjectCommandInput['Body']) => {
      const command = new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.key(sha256),
        Body: body,
        ContentLength: bytes,
      });
      command.middlewareStack.add(
        (next) => (args) => {
          const request = args.request as { headers?: Record<string, string> };
          if (request.headers) request.headers[PAYLOAD_HASH_HEADER] = sha256;
          return next(args);
        },
        { step: 'build', name: 'kilnPayloadHash' },
      );
      return command;
    };
    if (bytes <= BUFFERED_PUT_MAX_BYTES) {
      // Read at once (the SDK then retries it itself): a streamed body costs more round trips
      // through the thread pool and more socket writes than a small file's worth of memory.
      await this.client.send(put(await readFile(path)));
      return;
    }
    for (let attempt = 1; ; attempt++) {
      const body = createReadStream(path, { highWaterMark: STREAMED_PUT_CHUNK_BYTES });
      // The SDK pipes the body with no error listener: a read error would be thrown uncaught.
      // It aborts the request instead.
      const readFailed = new AbortController();
      body.once('error', (error) => readFailed.abort(error));
      try {
        await this.client.send(put(body), { abortSignal: readFailed.signal });
        return;
      } catch (error) {
        const refused =
          error instanceof S3ServiceException && (error.$metadata.httpStatusCode ?? 500) < 500;
        if (attempt >= PUT_ATTEMPTS || refused || readFailed.signal.aborted) throw error;
        await sleep(100 * attempt);
      } finally {
        body.destroy();
      }
    }
  }

  /**
   * Streams `body` to `key`, in parts when it is larger than one. On any failure the multipart
   * upload is aborted (`leavePartsOnError: false`), so nothing is left in the bucket.
   */
  async upload(key: string, body: Readable, bytes?: number, signal?: AbortSignal): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentLength: bytes },
      partSize: PART_BYTES,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    const abort = () => void upload.abort().catch(() => undefined);
    signal?.addEventListener('abort', abort, { once: true });
    try {
      await upload.done();
    } finally {
      signal?.removeEventListener('abort', abort);
      body.destroy();
    }
  }

  async withLocalCopies<T>(
    blobs: readonly string[],
    use: (paths: string[]) => Promise<T>,
  ): Promise<T> {
    return this.cache.holding(
      blobs.map((sha256) => checkedSha256(sha256)),
      (sha256) => this.read(sha256),
      use,
    );
  }

  async size(sha256: string): Promise<number | undefined> {
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(sha256) }),
      );
      return head.ContentLength;
    } catch (error) {
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404)
        return undefined;
      throw error;
    }
  }

  async source(
    sha256: string,
    download: { filename: string; contentType: string },
  ): Promise<BlobSource> {
    if (this.settings.redirect) {
      const command = new GetObjectCommand({
        Bucket: this.bucket,
        Key: this.key(sha256),
        ResponseContentType: download.contentType,
        ResponseContentDisposition: `inline; filename="${download.filename.replace(/["\\\r\n]/g, '_')}"`,
      });
      const url = await getSignedUrl(this.client, command, { expiresIn: PRESIGNED_URL_SECONDS });
      return { kind: 'redirect', url };
    }
    return { kind: 'stream', open: (range) => this.read(sha256, range) };
  }

  /** The object's bytes, or an inclusive range of them, as a stream. */
  async read(sha256: string, range?: { start: number; end: number }): Promise<Readable> {
    const object = await this.client.send(
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: this.key(sha256),
        Range: range ? `bytes=${range.start}-${range.end}` : undefined,
      }),
    );
    return object.Body as Readable; // in Node the SDK answers an IncomingMessage
  }
}
