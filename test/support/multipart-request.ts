import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

/** One file part of a multipart body. */
export interface MultipartFile {
  filename: string;
  data: Buffer;
  /** The form field; Kiln reads `files`. */
  field?: string;
}

/**
 * A request whose body is a multipart/form-data of the given files, as Express hands one to a
 * controller (headers plus a readable body), for specs that run a use-case without HTTP.
 */
export function multipartRequest(files: readonly MultipartFile[]): IncomingMessage {
  const boundary = `kiln-${randomBytes(8).toString('hex')}`;
  const body = Buffer.concat([
    ...files.flatMap(({ filename, data, field = 'files' }) => [
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n',
      ),
      data,
      Buffer.from('\r\n'),
    ]),
    Buffer.from(`--${boundary}--\r\n`),
  ]);
  const stream = Readable.from([body]);
  return Object.assign(stream, {
    // The whole body is at hand, so it never idles: the idle timer is not armed.
    setTimeout: () => stream,
    complete: true,
    headers: {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(body.length),
    },
  }) as unknown as IncomingMessage;
}
