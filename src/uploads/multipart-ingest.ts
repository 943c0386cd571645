import busboy from 'busboy';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BadUploadError, UploadTooLargeError } from './upload.errors';

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
}

/**
 * Streams every `files` part of a multipart request to its own temp file, hashing and counting
 * as the bytes pass: nothing is held whole in memory. On any failure every temp file written
 * so far is removed (by `removeTemp`) before the error is thrown.
 */
export async function ingestMultipart(
  request: IncomingMessage,
  limits: IngestLimits,
  tempPath: () => string,
  removeTemp: (path: string) => Promise<void>,
): Promise<IngestedFile[]> {
  const files: IngestedFile[] = [];
  const writes: Promise<void>[] = [];
  let failure: Error | undefined;

  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: request.headers,
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

  const done = new Promise<void>((resolve, reject) => {
    parser.on('file', (field, stream, info) => {
      const filename = safeFilename(info.filename);
      if (field !== 'files' || failure) {
        if (!failure && field !== 'files')
          failure = new BadUploadError(
            `Unexpected file field "${field}"; send files in the "files" field.`,
          );
        stream.resume();
        return;
      }
      const path = tempPath();
      const probe = new HashingProbe(limits.headBytes);
      const file: IngestedFile = {
        filename,
        tempPath: path,
        bytes: 0,
        sha256: '',
        head: Buffer.alloc(0),
      };
      files.push(file);
      // busboy truncates the file at the limit and discards the rest of it; the temp file goes below.
      stream.on('limit', () => {
        failure ??= new UploadTooLargeError(filename, limits.maxFileBytes);
      });
      writes.push(
        pipeline(stream, probe, createWriteStream(path)).then(() => {
          file.bytes = probe.bytes;
          file.sha256 = probe.digest();
          file.head = probe.head();
        }),
      );
    });
    parser.on('filesLimit', () => {
      failure ??= new BadUploadError(`Send at most ${limits.maxFiles} files in one upload.`);
    });
    parser.on('error', (error: Error) =>
      reject(new BadUploadError(`The multipart body could not be read: ${error.message}`)),
    );
    parser.on('close', resolve);
    request.on('aborted', () =>
      reject(new BadUploadError('The upload was interrupted before it finished.')),
    );
  });

  try {
    request.pipe(parser);
    await done;
    const settled = await Promise.allSettled(writes);
    const writeError = settled.find(
      (result): result is PromiseRejectedResult => result.status === 'rejected',
    );
    if (failure) throw failure;
    if (writeError) throw writeError.reason;
    if (files.length === 0)
      throw new BadUploadError(
        'No file found: send one or more files in the multipart field "files".',
      );
    return files;
  } catch (error) {
    await Promise.allSettled(writes);
    await Promise.all(files.map((file) => removeTemp(file.tempPath)));
    throw error;
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

/** The base name only, without control characters: it is shown back and used for extension hints. */
export function safeFilename(raw: string | undefined): string {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = [...base]
    .filter((char) => char.charCodeAt(0) >= 0x20 && char.charCodeAt(0) !== 0x7f)
    .join('')
    .trim()
    .slice(0, 255);
  return cleaned || 'upload';
}
