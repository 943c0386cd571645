import { KilnApiError } from './errors';
import type { HttpClient } from './http-client';
import { readAnswer } from './http-client';
import type { UploadResult } from './rest-types';

/** A file to upload: a `File` (browsers, Node 20), or any Blob or bytes with a name. */
export type UploadFile = File | { name: string; data: Blob | Uint8Array; type?: string };

/** Bytes sent so far of the whole request (multipart framing included) and its total. */
export interface UploadProgress {
  loaded: number;
  total: number;
}

export interface UploadOptions {
  /** Called as bytes leave: from XHR's upload events in browsers, as the body is read in Node. */
  onProgress?: (progress: UploadProgress) => void;
  signal?: AbortSignal;
}

/** `POST /uploads` with byte progress: XMLHttpRequest where there is one, a streamed fetch otherwise. */
export function uploadFiles(
  http: HttpClient,
  files: Iterable<UploadFile> | ArrayLike<UploadFile>,
  options: UploadOptions = {},
): Promise<UploadResult> {
  const list = Array.from(files as ArrayLike<UploadFile>).map(asBlobFile);
  if (list.length === 0) {
    return Promise.reject(
      new KilnApiError(400, 'BAD_UPLOAD', 'Choose at least one file to upload.'),
    );
  }
  const Xhr = (globalThis as { XMLHttpRequest?: XhrConstructor }).XMLHttpRequest;
  return Xhr ? uploadWithXhr(Xhr, http, list, options) : uploadWithStream(http, list, options);
}

interface BlobFile {
  name: string;
  blob: Blob;
}

function asBlobFile(file: UploadFile): BlobFile {
  if (file instanceof Blob) return { name: file.name, blob: file };
  const blob =
    file.data instanceof Blob
      ? file.data
      : new Blob([file.data as Uint8Array<ArrayBuffer>], { type: file.type ?? '' });
  return { name: file.name, blob };
}

/** The part of XMLHttpRequest used here (declared so the SDK also compiles without DOM types). */
interface XhrLike {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: FormData): void;
  abort(): void;
  readonly status: number;
  readonly responseText: string;
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  upload: { onprogress: ((event: { loaded: number; total: number }) => void) | null };
}
type XhrConstructor = new () => XhrLike;

function uploadWithXhr(
  Xhr: XhrConstructor,
  http: HttpClient,
  files: BlobFile[],
  { onProgress, signal }: UploadOptions,
): Promise<UploadResult> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const file of files) form.append('files', file.blob, file.name);
    const xhr = new Xhr();
    xhr.open('POST', http.url('/uploads'));
    for (const [name, value] of Object.entries(http.authHeader()))
      xhr.setRequestHeader(name, value);
    if (onProgress) xhr.upload.onprogress = ({ loaded, total }) => onProgress({ loaded, total });
    xhr.onload = () => {
      try {
        resolve(readAnswer<UploadResult>(xhr.status, xhr.responseText));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
    xhr.onerror = () =>
      reject(new KilnApiError(0, 'NETWORK_ERROR', 'The upload failed: Kiln could not be reached.'));
    xhr.onabort = () => reject(abortError());
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}

/** Node (and any runtime without XHR): the multipart body as a stream, counted as fetch reads it. */
async function uploadWithStream(
  http: HttpClient,
  files: BlobFile[],
  { onProgress, signal }: UploadOptions,
): Promise<UploadResult> {
  const boundary = `----kiln${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;
  const encoder = new TextEncoder();
  const parts: Array<Uint8Array | Blob> = [];
  for (const file of files) {
    const name = file.name.replace(/[\r\n]/g, ' ').replace(/"/g, '%22');
    const type = file.blob.type || 'application/octet-stream';
    parts.push(
      encoder.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`,
      ),
      file.blob,
      encoder.encode('\r\n'),
    );
  }
  parts.push(encoder.encode(`--${boundary}--\r\n`));
  const total = parts.reduce(
    (sum, part) => sum + (part instanceof Blob ? part.size : part.byteLength),
    0,
  );

  let loaded = 0;
  let index = 0;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  // highWaterMark 0: a chunk is read only when fetch asks for it, so `loaded` follows the socket.
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          if (reader) {
            const { done, value } = await reader.read();
            if (!done) return emit(controller, value);
            reader = undefined;
          }
          const part = parts[index++];
          if (part === undefined) return controller.close();
          if (part instanceof Blob) reader = part.stream().getReader();
          else return emit(controller, part);
        }
      },
      cancel: () => reader?.cancel(),
    },
    { highWaterMark: 0 },
  );
  const emit = (controller: ReadableStreamDefaultController<Uint8Array>, chunk: Uint8Array) => {
    controller.enqueue(chunk);
    loaded += chunk.byteLength;
    onProgress?.({ loaded, total });
  };

  let response: Response;
  try {
    response = await fetch(http.url('/uploads'), {
      method: 'POST',
      headers: {
        ...http.authHeader(),
        'Content-Type': `multipart/form-data; boundary=${boundary}`,
      },
      body,
      signal,
      // Node's fetch sends a stream body only when told the request is half-duplex.
      duplex: 'half',
    } as RequestInit);
  } catch (error) {
    if (signal?.aborted) throw abortError();
    throw new KilnApiError(0, 'NETWORK_ERROR', `The upload failed: ${String(error)}`);
  }
  return readAnswer<UploadResult>(response.status, await response.text());
}

function abortError(): Error {
  const error = new Error('The upload was aborted.');
  error.name = 'AbortError';
  return error;
}
