import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KilnError } from '../errors/kiln-error';
import {
  type IngestedFile,
  type IngestLimits,
  ingestMultipart,
  safeFilename,
} from './multipart-ingest';

const BOUNDARY = 'kiln-test-boundary';
const LIMITS: IngestLimits = {
  maxFileBytes: 4 * 1024 * 1024,
  maxFiles: 3,
  headBytes: 16,
  idleTimeoutMs: 60_000,
};

/** The multipart bytes of one `files` part (its header with the filename as raw UTF-8). */
function partHead(filename: string, field = 'files'): Buffer {
  return Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
    'utf8',
  );
}
const partTail = () => Buffer.from('\r\n');
const closing = () => Buffer.from(`--${BOUNDARY}--\r\n`);

function multipart(parts: Array<{ filename: string; bytes: Buffer; field?: string }>): Buffer {
  return Buffer.concat([
    ...parts.flatMap(({ filename, bytes, field }) => [
      partHead(filename, field),
      bytes,
      partTail(),
    ]),
    closing(),
  ]);
}

function requestHead(contentLength: number): string {
  return (
    'POST /uploads HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
    `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\n` +
    `Content-Length: ${contentLength}\r\n\r\n`
  );
}

type Outcome = { ok: true; files: IngestedFile[] } | { ok: false; error: KilnError };

describe('ingestMultipart (a real HTTP server, a raw TCP client, files on disk)', () => {
  let server: Server;
  let port: number;
  let tmpDir: string;
  let limits: IngestLimits = LIMITS;
  let outcomes: Array<Promise<Outcome>> = [];

  const tempFiles = () => readdirSync(tmpDir);
  const nextOutcome = async (): Promise<Outcome> => {
    await waitUntil(() => outcomes.length > 0);
    return outcomes.shift() as Promise<Outcome>;
  };

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response: ServerResponse) => {
      let counter = 0;
      const outcome = ingestMultipart(
        request,
        limits,
        () => join(tmpDir, `${counter++}.upload`),
        (path) => rm(path, { force: true }),
      ).then(
        (files): Outcome => {
          response.writeHead(201).end(JSON.stringify(files.map((f) => f.filename)));
          return { ok: true, files };
        },
        (error: KilnError): Outcome => {
          response.writeHead(error.status, { Connection: 'close' }).end(error.code);
          return { ok: false, error };
        },
      );
      outcomes.push(outcome);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  }, 30_000);

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(async () => {
    tmpDir = await mkdtemp(join(tmpdir(), 'kiln-ingest-'));
    limits = LIMITS;
    outcomes = [];
  });
  afterEach(async () => {
    await rm(tmpDir, { recursive: true, force: true });
  });

  /** A connected raw client that records what the server answers. */
  async function rawClient(): Promise<{
    socket: Socket;
    answer: () => string;
    closed: Promise<void>;
  }> {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined); // a write after the server closed: expected in some tests
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    return { socket, answer: () => answer, closed };
  }

  /** Waits until the one temp file holds at least `bytes` bytes: the upload is mid-way. */
  async function partialFileOnDisk(bytes: number): Promise<void> {
    await waitUntil(() => {
      const [name] = tempFiles();
      return name !== undefined && statSync(join(tmpDir, name)).size >= bytes;
    });
  }

  it('writes each file to its own temp file with its size, SHA-256 and first bytes', async () => {
    const first = randomBytes(100_000);
    const second = randomBytes(10);
    const body = multipart([
      { filename: 'a.png', bytes: first },
      { filename: 'b.png', bytes: second },
    ]);
    const { socket, closed } = await rawClient();
    socket.end(Buffer.concat([Buffer.from(requestHead(body.length)), body]));

    const outcome = await nextOutcome();
    await closed;
    expect(outcome.ok).toBe(true);
    const files = (outcome as { files: IngestedFile[] }).files;
    expect(
      files.map(({ filename, bytes, sha256, head }) => ({ filename, bytes, sha256, head })),
    ).toEqual([
      { filename: 'a.png', bytes: 100_000, sha256: sha256(first), head: first.subarray(0, 16) },
      { filename: 'b.png', bytes: 10, sha256: sha256(second), head: second },
    ]);
    expect(tempFiles().sort()).toEqual(['0.upload', '1.upload']);
  });

  it('keeps a UTF-8 filename as sent, normalized to NFC', async () => {
    const decomposed = 'u\u0308名前.png'; // ü as u + combining diaeresis
    const body = multipart([
      { filename: 'ü名前.png', bytes: randomBytes(8) },
      { filename: decomposed, bytes: randomBytes(8) },
    ]);
    const { socket } = await rawClient();
    socket.end(Buffer.concat([Buffer.from(requestHead(body.length)), body]));

    const outcome = await nextOutcome();
    expect(outcome.ok && outcome.files.map((file) => file.filename)).toEqual([
      'ü名前.png',
      'ü名前.png',
    ]);
    expect(outcome.ok && outcome.files[1].filename).toBe('\u00fc名前.png');
  });

  it('removes the partial file when the client goes away mid-body', async () => {
    const { socket, closed } = await rawClient();
    socket.write(requestHead(100 * 1024 * 1024));
    socket.write(partHead('big.png'));
    socket.write(randomBytes(256 * 1024));
    await partialFileOnDisk(64 * 1024);

    socket.destroy();
    await closed;
    const outcome = await nextOutcome();
    expect(outcome.ok).toBe(false);
    expect((outcome as { error: KilnError }).error.code).toBe('BAD_UPLOAD');
    expect(tempFiles()).toEqual([]);
  });

  it('removes the partial file when the connection is reset mid-body', async () => {
    const { socket } = await rawClient();
    socket.write(requestHead(100 * 1024 * 1024));
    socket.write(partHead('big.png'));
    socket.write(randomBytes(256 * 1024));
    await partialFileOnDisk(64 * 1024);

    socket.resetAndDestroy();
    const outcome = await nextOutcome();
    expect(outcome.ok).toBe(false);
    expect((outcome as { error: KilnError }).error.code).toBe('BAD_UPLOAD');
    expect(tempFiles()).toEqual([]);
  });

  it('removes the files already complete when a later one is cut off', async () => {
    const { socket, closed } = await rawClient();
    socket.write(requestHead(100 * 1024 * 1024));
    socket.write(Buffer.concat([partHead('done.png'), randomBytes(1000), partTail()]));
    socket.write(Buffer.concat([partHead('cut.png'), randomBytes(200_000)]));
    await waitUntil(() => tempFiles().length === 2);

    socket.destroy();
    await closed;
    expect((await nextOutcome()).ok).toBe(false);
    expect(tempFiles()).toEqual([]);
  });

  it('answers 408 when the body stops moving for idleTimeoutMs, and keeps nothing', async () => {
    limits = { ...LIMITS, idleTimeoutMs: 500 };
    const { socket, answer, closed } = await rawClient();
    socket.write(requestHead(10 * 1024 * 1024));
    socket.write(partHead('slow.png'));
    socket.write(randomBytes(100_000));
    await partialFileOnDisk(50_000);
    const stalledAt = Date.now();

    const outcome = await nextOutcome();
    expect(outcome.ok).toBe(false);
    expect((outcome as { error: KilnError }).error).toMatchObject({
      code: 'UPLOAD_IDLE_TIMEOUT',
      status: 408,
    });
    expect(Date.now() - stalledAt).toBeGreaterThanOrEqual(300);
    expect(tempFiles()).toEqual([]);
    await closed;
    expect(answer()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('gives a slow upload that keeps moving all the time it needs', async () => {
    limits = { ...LIMITS, idleTimeoutMs: 400 };
    const chunks = Array.from({ length: 8 }, () => randomBytes(1000));
    const body = multipart([{ filename: 'slow.png', bytes: Buffer.concat(chunks) }]);
    const head = partHead('slow.png');
    const { socket } = await rawClient();
    socket.write(requestHead(body.length));
    socket.write(head);
    // 8 × 200 ms = 1.6 s in all: four times the idle timeout, never idle for as long.
    for (const chunk of chunks) {
      socket.write(chunk);
      await sleep(200);
    }
    socket.end(Buffer.concat([partTail(), closing()]));

    const outcome = await nextOutcome();
    expect(outcome.ok && outcome.files[0].bytes).toBe(8000);
  });

  it('stops at a file over the limit before the rest of the body is sent, and keeps nothing', async () => {
    limits = { ...LIMITS, maxFileBytes: 100_000 };
    const total = 50 * 1024 * 1024;
    const { socket, answer, closed } = await rawClient();
    socket.write(requestHead(total));
    socket.write(Buffer.concat([partHead('first.png'), randomBytes(1000), partTail()]));
    socket.write(partHead('big.png'));
    let sent = 0;
    let writing = true;
    void closed.then(() => (writing = false));
    // Keep sending, as a client that does not wait for an answer would.
    while (writing && sent < total && answer() === '') {
      if (!socket.write(randomBytes(64 * 1024)))
        await Promise.race([once(socket, 'drain'), closed, sleep(50)]);
      sent += 64 * 1024;
      await sleep(5);
    }

    const outcome = await nextOutcome();
    expect((outcome as { error: KilnError }).error).toMatchObject({
      code: 'UPLOAD_TOO_LARGE',
      status: 413,
    });
    await closed;
    expect(answer()).toMatch(/^HTTP\/1\.1 413 /);
    expect(sent).toBeLessThan(total / 4);
    expect(tempFiles()).toEqual([]);
  });

  it('refuses more files than maxFiles and keeps none of them', async () => {
    const body = multipart(
      Array.from({ length: 4 }, (_, i) => ({ filename: `${i}.png`, bytes: randomBytes(100) })),
    );
    const { socket } = await rawClient();
    socket.end(Buffer.concat([Buffer.from(requestHead(body.length)), body]));

    const outcome = await nextOutcome();
    expect((outcome as { error: KilnError }).error).toMatchObject({
      code: 'BAD_UPLOAD',
      message: 'Send at most 3 files in one upload.',
    });
    await waitUntil(() => tempFiles().length === 0);
  });

  it('refuses a file in another field than "files" and keeps none', async () => {
    const body = multipart([
      { filename: 'a.png', bytes: randomBytes(100) },
      { filename: 'b.png', bytes: randomBytes(100), field: 'other' },
    ]);
    const { socket } = await rawClient();
    socket.end(Buffer.concat([Buffer.from(requestHead(body.length)), body]));

    const outcome = await nextOutcome();
    expect((outcome as { error: KilnError }).error).toMatchObject({
      code: 'BAD_UPLOAD',
      message: 'Unexpected file field "other"; send files in the "files" field.',
    });
    expect(tempFiles()).toEqual([]);
  });
});

describe('safeFilename', () => {
  it.each([
    ['ü名前.png', 'ü名前.png'],
    ['u\u0308.png', '\u00fc.png'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\me\\photo.png', 'photo.png'],
    ['a\u0000b\u001fc\u007fd\u0085e.png', 'abcde.png'],
    ['invoice\u202egnp.exe', 'invoicegnp.exe'],
    ['  spaced.png  ', 'spaced.png'],
    ['', 'upload'],
    [undefined, 'upload'],
  ])('%j → %j', (raw, expected) => {
    expect(safeFilename(raw)).toBe(expected);
  });

  it('cuts a long name at 255 characters without splitting one', () => {
    const name = safeFilename('😀'.repeat(300));
    expect([...name]).toHaveLength(255);
    expect(name).toBe('😀'.repeat(255));
  });
});

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('Timed out waiting for a condition');
    await sleep(10);
  }
}
