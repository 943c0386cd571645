import { DeleteObjectCommand, ListObjectsV2Command, S3ServiceException } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { startTestS3, type TestS3 } from '../../test/support/s3-server';
import { LocalStorage } from './local-storage';
import { KNOWN_OBJECT_TTL_MS, PAYLOAD_HASH_HEADER, S3Storage } from './s3-storage';
import type { BlobSource, Storage } from './storage';

const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The bytes a download source gives, whole or an inclusive range. */
async function bytesOf(source: BlobSource, range?: { start: number; end: number }) {
  if (source.kind === 'file') {
    const whole = await readFile(source.path);
    return range ? whole.subarray(range.start, range.end + 1) : whole;
  }
  if (source.kind === 'stream') return readAll(await source.open(range));
  throw new Error('a redirect has no bytes here');
}

interface Subject {
  storage: Storage & { onModuleInit(): Promise<void>; onApplicationShutdown(): Promise<void> };
  /** Every blob key or path the store holds. */
  stored(): Promise<string[]>;
  /** Write requests made to the store so far (S3: PutObject and multipart uploads). */
  writes(): number;
}

let s3: TestS3;
beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(async () => s3?.stop());

const implementations: Array<[string, (dataDir: string) => Subject]> = [
  [
    'LocalStorage',
    (dataDir) => {
      const storage = new LocalStorage({ dataDir });
      return {
        storage,
        stored: async () => {
          const { readdir } = await import('node:fs/promises');
          const all = await readdir(storage.blobsDir, { recursive: true, withFileTypes: true });
          return all.filter((entry) => entry.isFile()).map((entry) => entry.name);
        },
        writes: () => 0,
      };
    },
  ],
  [
    'S3Storage (s3rver)',
    (dataDir) => {
      const storage = new S3Storage(
        { dataDir, cacheDir: join(dataDir, 'cache'), cacheMaxBytes: 64 * 1024 * 1024 },
        s3.settings,
      );
      let writes = 0;
      storage.client.middlewareStack.add(
        (next, context) => (args) => {
          if (
            ['PutObjectCommand', 'CreateMultipartUploadCommand'].includes(context.commandName ?? '')
          )
            writes++;
          return next(args);
        },
        { step: 'initialize' },
      );
      return {
        storage,
        stored: async () => {
          const listed = await storage.client.send(
            new ListObjectsV2Command({ Bucket: s3.settings.bucket }),
          );
          return (listed.Contents ?? []).map((object) => (object.Key as string).split('/').pop()!);
        },
        writes: () => writes,
      };
    },
  ],
];

describe.each(implementations)('The Storage contract: %s', (name, make) => {
  let dataDir: string;
  let subject: Subject;
  let storage: Subject['storage'];

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kiln-contract-'));
    subject = make(dataDir);
    storage = subject.storage;
    await storage.onModuleInit();
  });
  afterEach(async () => {
    // Each test starts from an empty bucket as from an empty data dir.
    if (storage instanceof S3Storage) {
      const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
      const listed = await storage.client.send(
        new ListObjectsV2Command({ Bucket: s3.settings.bucket }),
      );
      for (const object of listed.Contents ?? [])
        await storage.client.send(
          new DeleteObjectCommand({ Bucket: s3.settings.bucket, Key: object.Key }),
        );
    }
    await storage.onApplicationShutdown();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function tempWith(bytes: Buffer | string): Promise<string> {
    const path = storage.tempPath('.bin');
    await writeFile(path, bytes);
    return path;
  }

  it('stores a temp file under its SHA-256, removes the temp file, and reads it back', async () => {
    const bytes = randomBytes(100_000);
    const temp = await tempWith(bytes);

    const blob = await storage.putFile(temp);

    expect(blob).toEqual({ sha256: sha(bytes), bytes: 100_000 });
    expect(existsSync(temp)).toBe(false);
    expect(await storage.size(blob.sha256)).toBe(100_000);
    expect(await subject.stored()).toEqual([blob.sha256]);
    const copies = await storage.withLocalCopies([blob.sha256], async (paths) =>
      Promise.all(paths.map((path) => readFile(path))),
    );
    expect(copies).toEqual([bytes]);
  });

  it('keeps one copy of the same bytes and writes it once', async () => {
    const first = await storage.putFile(await tempWith('same bytes'));
    const writesAfterFirst = subject.writes();
    const secondTemp = await tempWith('same bytes');

    expect(await storage.putFile(secondTemp, first.sha256.toUpperCase())).toEqual(first);

    expect(subject.writes()).toBe(writesAfterFirst);
    expect(existsSync(secondTemp)).toBe(false);
    expect(await subject.stored()).toEqual([first.sha256]);
  });

  it('stores a 20 MiB file whole, and serves any byte range of it', async () => {
    const bytes = randomBytes(20 * 1024 * 1024);
    const blob = await storage.putFile(await tempWith(bytes));
    const source = await storage.source(blob.sha256, {
      filename: 'big.bin',
      contentType: 'application/octet-stream',
    });

    expect((await bytesOf(source)).equals(bytes)).toBe(true);
    const range = { start: 8 * 1024 * 1024 - 3, end: 8 * 1024 * 1024 + 4 };
    expect(await bytesOf(source, range)).toEqual(bytes.subarray(range.start, range.end + 1));
  });

  it('answers undefined for the size of a missing blob, and refuses a hash that is not one', async () => {
    expect(await storage.size('0'.repeat(64))).toBeUndefined();
    await expect(storage.putFile(await tempWith('x'), '../etc')).rejects.toThrow(
      'Not a SHA-256 hex digest',
    );
    await expect(storage.withLocalCopies(['abc'], () => Promise.resolve(1))).rejects.toThrow(
      'Not a SHA-256 hex digest',
    );
    expect(await subject.stored()).toEqual([]);
  });

  it(`hands out temp paths and folders of its own (${name})`, async () => {
    const dir = await storage.makeTempDir('task');
    await writeFile(join(dir, 'out.png'), 'png');
    await storage.removeTemp(dir);
    expect(existsSync(dir)).toBe(false);
    await expect(storage.removeTemp(dataDir)).rejects.toThrow('not inside');
  });
});

describe('S3Storage uploads: one streamed request, or parts, and what a failure leaves', () => {
  let dataDir: string;
  let storage: S3Storage;
  const sent: string[] = [];

  /** Fails the next `count` PutObject requests the way a busy S3 does (503 SlowDown). */
  let slowDowns = 0;

  beforeEach(async () => {
    sent.length = 0;
    slowDowns = 0;
    dataDir = await mkdtemp(join(tmpdir(), 'kiln-s3-abort-'));
    storage = new S3Storage(
      { dataDir, cacheDir: join(dataDir, 'cache'), cacheMaxBytes: 1024 ** 2 },
      s3.settings,
    );
    storage.client.middlewareStack.add(
      (next, context) => (args) => {
        sent.push(context.commandName as string);
        return next(args);
      },
      { step: 'initialize' },
    );
    storage.client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'PutObjectCommand' && slowDowns > 0) {
          slowDowns--;
          throw new S3ServiceException({
            name: 'SlowDown',
            $fault: 'server',
            $metadata: { httpStatusCode: 503 },
            message: 'Please reduce your request rate.',
          });
        }
        return result;
      },
      { step: 'deserialize' },
    );
    await storage.onModuleInit();
  });

  async function listed(): Promise<Array<{ key: string; bytes: number }>> {
    const { Contents } = await storage.client.send(
      new ListObjectsV2Command({ Bucket: s3.settings.bucket }),
    );
    return (Contents ?? []).map((object) => ({ key: object.Key!, bytes: object.Size! }));
  }

  it('stores a file of several parts (20 MiB) in one PutObject streamed from disk', async () => {
    const bytes = randomBytes(20 * 1024 * 1024);
    const temp = storage.tempPath('.bin');
    await writeFile(temp, bytes);

    const blob = await storage.putFile(temp);

    expect(sent).toEqual(['HeadObjectCommand', 'PutObjectCommand']);
    expect(await listed()).toEqual([{ key: storage.key(blob.sha256), bytes: bytes.length }]);
    const copy = await storage.withLocalCopies([blob.sha256], ([path]) => readFile(path));
    expect(copy.equals(bytes)).toBe(true);
  });

  it('tries a PutObject the server failed again, from a fresh read of the file', async () => {
    const bytes = randomBytes(3 * 1024 * 1024);
    const temp = storage.tempPath('.bin');
    await writeFile(temp, bytes);
    slowDowns = 1;

    const blob = await storage.putFile(temp);

    expect(sent).toEqual(['HeadObjectCommand', 'PutObjectCommand', 'PutObjectCommand']);
    expect(await listed()).toEqual([{ key: storage.key(blob.sha256), bytes: bytes.length }]);
    const copy = await storage.withLocalCopies([blob.sha256], ([path]) => readFile(path));
    expect(copy.equals(bytes)).toBe(true);
  });

  it('stores bytes it saw in the bucket lately with no request; past the TTL it asks again and writes an object removed meanwhile', async () => {
    const bytes = randomBytes(1000);
    const put = async () => {
      const temp = storage.tempPath('.bin');
      await writeFile(temp, bytes);
      const blob = await storage.putFile(temp);
      expect(existsSync(temp)).toBe(false);
      return blob;
    };
    const blob = await put();
    expect(sent).toEqual(['HeadObjectCommand', 'PutObjectCommand']);

    expect(await put()).toEqual(blob);
    expect(sent).toEqual(['HeadObjectCommand', 'PutObjectCommand']);

    // Removed by hand, and the sighting is now as old as the TTL.
    await storage.client.send(
      new DeleteObjectCommand({ Bucket: s3.settings.bucket, Key: storage.key(blob.sha256) }),
    );
    storage.known.add(blob.sha256, bytes.length, Date.now() - KNOWN_OBJECT_TTL_MS);
    sent.length = 0;
    expect(await put()).toEqual(blob);

    expect(sent).toEqual(['HeadObjectCommand', 'PutObjectCommand']);
    expect(await listed()).toEqual([{ key: storage.key(blob.sha256), bytes: 1000 }]);
  });

  it('takes a blob another process stored, found whole by HeadObject, as seen: one HEAD, no write', async () => {
    const bytes = randomBytes(1000);
    const other = new S3Storage(
      {
        dataDir: join(dataDir, 'other'),
        cacheDir: join(dataDir, 'other', 'cache'),
        cacheMaxBytes: 1024 ** 2,
      },
      s3.settings,
    );
    await other.onModuleInit();
    const otherTemp = other.tempPath('.bin');
    await writeFile(otherTemp, bytes);
    await other.putFile(otherTemp);
    await other.onApplicationShutdown();

    for (let i = 0; i < 2; i++) {
      const temp = storage.tempPath('.bin');
      await writeFile(temp, bytes);
      await storage.putFile(temp);
    }

    expect(sent).toEqual(['HeadObjectCommand']);
  });

  it('signs each PutObject with the SHA-256 of its body, buffered or streamed, and the server takes it', async () => {
    const signedWith: string[] = [];
    storage.client.middlewareStack.add(
      (next) => (args) => {
        const { headers } = args.request as { headers: Record<string, string> };
        if (headers[PAYLOAD_HASH_HEADER]) signedWith.push(headers[PAYLOAD_HASH_HEADER]);
        return next(args);
      },
      { step: 'deserialize' },
    );
    const small = randomBytes(10_000);
    const large = randomBytes(3 * 1024 * 1024);
    const blobs = [];
    for (const bytes of [small, large]) {
      const temp = storage.tempPath('.bin');
      await writeFile(temp, bytes);
      blobs.push(await storage.putFile(temp));
    }

    expect(sent).toEqual([
      'HeadObjectCommand',
      'PutObjectCommand',
      'HeadObjectCommand',
      'PutObjectCommand',
    ]);
    // A HEAD has no body: its hash is the empty one's.
    const empty = sha('');
    expect(signedWith).toEqual([empty, sha(small), empty, sha(large)]);
    expect((await listed()).sort((a, b) => a.bytes - b.bytes)).toEqual(
      blobs.map((blob) => ({ key: storage.key(blob.sha256), bytes: blob.bytes })),
    );
  });

  it('fails a PutObject whose file cannot be read, without an uncaught error, leaving no object', async () => {
    const missing = join(dataDir, 'gone.bin');

    await expect(storage.putObjectFrom('b'.repeat(64), missing, 1024)).rejects.toThrow();

    expect(await listed()).toEqual([]);
  });
  afterEach(async () => {
    for (const { key } of await listed())
      await storage.client.send(new DeleteObjectCommand({ Bucket: s3.settings.bucket, Key: key }));
    await storage.onApplicationShutdown();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('leaves no object when the bytes stop coming half-way, and aborts the multipart upload', async () => {
    let pushed = 0;
    const body = new Readable({
      read() {
        // Two parts' worth and more, then the source fails (a client gone, a disk error).
        if (pushed >= 18 * 1024 * 1024) {
          this.destroy(new Error('the source went away'));
          return;
        }
        pushed += 1024 * 1024;
        this.push(Buffer.alloc(1024 * 1024, 7));
      },
    });

    await expect(storage.upload('blobs/sha256/aa/' + 'a'.repeat(64), body)).rejects.toThrow();

    const listed = await storage.client.send(
      new ListObjectsV2Command({ Bucket: s3.settings.bucket }),
    );
    expect(listed.Contents ?? []).toEqual([]);
    expect(sent).toContain('CreateMultipartUploadCommand');
    expect(sent).toContain('AbortMultipartUploadCommand');
    expect(sent).not.toContain('CompleteMultipartUploadCommand');
  });
});
