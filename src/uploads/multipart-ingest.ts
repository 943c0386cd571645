import busboy from 'busboy';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BadUploadError, UploadIdleTimeoutError, UploadTooLargeError } from './upload.errors';

/** A file of the request, written to a temp path while it streamed in. */
export interface IngestedFile {
  filename: string;
  tempPath: string;
  bytes: number;
  sha256: string;
  /** The first bytes, for sniffing the kind. */
  head: Buffer;
}

export interface IngestLimits {
  maxFileBytes: number;
  maxFiles: number;
  headBytes: number;
  /** The body may move no byte for this long (KILN_UPLOAD_IDLE_TIMEOUT_MS); then 408. */
  idleTimeoutMs: number;
}

/**
 * How much of a file may wait in memory for the disk (the temp file's write stream), per file
 * being received. Node's default (16 KiB) paused the request every few socket reads while a
 * write was on its way: a 35 MB POST took 2.7× as long as a server that only reads the bytes,
 * 2.1–2.5× with this (docs/performance.md). The hashing stage keeps the default: a larger buffer
 * there measured the same.
 */
const WRITE_BUFFER_BYTES = 1024 * 1024;

const INTERRUPTED = 'The upload was interrupted before it finished; nothing was stored.';

/**
 * Streams every `files` part of a multipart request to its own temp file, hashing and counting
 * as the bytes pass: nothing is held whole in memory.
 *
 * However the request ends early (a file over the limit, a bad part, the client going away, a
 * connection reset, no byte for `idleTimeoutMs`, a disk error), reading stops at once, every temp
 * file written so far is closed and removed (by `removeTemp`), and then the error is thrown. An
 * error thrown while the body is still unread is answered with `Connection: close` (see
 * KilnErrorFilter), so the rest of the body is never read.
 */
export async function ingestMultipart(
  request: IncomingMessage,
  limits: IngestLimits,
  tempPath: () => string,
  removeTemp: (path: string) => Promise<void>,
): Promise<IngestedFile[]> {
  if (request.destroyed && !request.complete) throw new BadUploadError(INTERRUPTED);
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: request.headers,
      // curl and browsers send the filename's UTF-8 bytes as they are; busboy reads latin1 by default.
      defParamCharset: 'utf8',
      limits: {
        fileSize: limits.maxFileBytes,
        files: limits.maxFiles,
        fields: 20,
        parts: limits.maxFiles + 20,
      },
    });
  } catch {
    throw new BadUploadError('Send the files as multipart/form-data, in a field named "files".');
  }

  const files: IngestedFile[] = [];
  const writes: Promise<void>[] = [];
  let failure: Error | undefined;
  let settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));

  /** The first failure wins: stop reading, end the parser (and the file it is writing), throw. */
  const fail = (error: Error) => {
    if (failure) return;
    failure = error;
    request.unpipe(parser);
    // Deferred: busboy may be mid-callback (a 'limit' is emitted from inside its write).
    process.nextTick(() => parser.destroy(error));
    settle?.reject(error);
  };
  /** A part that is not kept: drained, and an error ending it is of no interest. */
  const skip = (stream: NodeJS.ReadableStream) => {
    stream.on('error', () => undefined);
    stream.resume();
  };
  const interrupted = () => fail(new BadUploadError(INTERRUPTED));
  const onClose = () => {
    if (!request.complete) interrupted();
  };
  const onIdle = () => fail(new UploadIdleTimeoutError(limits.idleTimeoutMs));

  parser.on('file', (field, stream, info) => {
    if (failure) {
      skip(stream);
      return;
    }
    if (field !== 'files') {
      skip(stream);
      fail(
        new BadUploadError(`Unexpected file field "${field}"; send files in the "files" field.`),
      );
      return;
    }
    const filename = safeFilename(info.filename);
    const file: IngestedFile = {
      filename,
      tempPath: tempPath(),
      bytes: 0,
      sha256: '',
      head: Buffer.alloc(0),
    };
    files.push(file);
    // busboy stops the file at the limit; the request stops here too, and the temp file goes below.
    stream.on('limit', () => fail(new UploadTooLargeError(filename, limits.maxFileBytes)));
    const probe = new HashingProbe(limits.headBytes);
    const sink = createWriteStream(file.tempPath, { highWaterMark: WRITE_BUFFER_BYTES });
    // Removal must wait for the file to be closed: one still opening would come back after it.
    const closed = new Promise<void>((resolve) => sink.once('close', resolve));
    const write = pipeline(stream, probe, sink)
      .then(() => {
        file.bytes = probe.bytes;
        file.sha256 = probe.digest();
        file.head = probe.head();
      })
      .catch((error: unknown) => {
        fail(error instanceof Error ? error : new Error(String(error)));
        throw error;
      })
      .finally(() => closed);
    // Awaited below; marked handled now, as it may fail before the await reaches it.
    write.catch(() => undefined);
    writes.push(write);
  });
  parser.on('filesLimit', () =>
    fail(new BadUploadError(`Send at most ${limits.maxFiles} files in one upload.`)),
  );
  parser.on('error', (error: Error) =>
    fail(new BadUploadError(`The multipart body could not be read: ${error.message}`)),
  );
  parser.on('close', () => settle?.resolve());
  request.on('aborted', interrupted);
  request.on('error', interrupted);
  request.on('close', onClose);
  request.setTimeout(limits.idleTimeoutMs, onIdle);

  try {
    request.pipe(parser);
    await done;
    await Promise.all(writes);
    if (files.length === 0)
      throw new BadUploadError(
        'No file found: send one or more files in the multipart field "files".',
      );
    return files;
  } catch (error) {
    fail(error instanceof Error ? error : new Error(String(error)));
    await Promise.allSettled(writes);
    await Promise.all(files.map((file) => removeTemp(file.tempPath)));
    throw failure ?? error;
  } finally {
    request.off('aborted', interrupted);
    request.off('error', interrupted);
    request.off('close', onClose);
    request.off('timeout', onIdle);
  }
}

/** Passes bytes through while hashing them, counting them and keeping the first few. */
class HashingProbe extends Transform {
  bytes = 0;
  private readonly hash = createHash('sha256');
  private readonly chunks: Buffer[] = [];
  private kept = 0;

  constructor(private readonly headBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (this.kept < this.headBytes) {
      this.chunks.push(chunk.subarray(0, this.headBytes - this.kept));
      this.kept += Math.min(chunk.length, this.headBytes - this.kept);
    }
    callback(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }

  head(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** Control characters (C0, DEL, C1) and the bidirectional overrides that can disguise an extension. */
const UNSAFE_CHARACTERS = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu;
const MAX_FILENAME_CHARACTERS = 255;

/**
 * The base name only, as sent but normalized to NFC, without control characters: it is shown
 * back and used for extension hints.
 */
export function safeFilename(raw: string | undefined): string {
  const base = (raw ?? '').normalize('NFC').split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(UNSAFE_CHARACTERS, '').trim();
  // Cut by characters, not UTF-16 units, so no surrogate pair is split.
  return [...cleaned].slice(0, MAX_FILENAME_CHARACTERS).join('').trim() || 'upload';
}
