import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import sharp from 'sharp';
import { io, type Socket as ClientSocket } from 'socket.io-client';
import request from 'supertest';
import {
  REPO_ROOT,
  type RunningKiln,
  type TestUser,
  connectRealtime,
  signUp,
  startKiln,
  waitFor,
} from './support/kiln-app';

const MAX_UPLOAD_BYTES = 100_000;
const IDLE_TIMEOUT_MS = 2000;
const JWT_SECRET = 'hostile-http-e2e-secret-of-enough-length';
const ALLOWED_ORIGIN = 'https://app.example.com';
const BOUNDARY = 'kiln-e2e-boundary';
const HOOK_TIMEOUT_MS = 120_000;

/** Every `.upload` temp file under the data dir's tmp, at any depth. */
function uploadTempFiles(dataDir: string): string[] {
  const walk = (folder: string): string[] => {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      return [];
    }
    return names.flatMap((name) => {
      const path = join(folder, name);
      return statSync(path, { throwIfNoEntry: false })?.isDirectory() ? walk(path) : [path];
    });
  };
  return walk(join(dataDir, 'tmp')).filter((path) => path.endsWith('.upload'));
}

function partHead(filename: string): Buffer {
  return Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="${filename}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
    'utf8',
  );
}

/** A raw HTTP/1.1 client: writes what it is told, records what comes back and when it closes. */
interface RawClient {
  socket: Socket;
  answer: () => string;
  closed: Promise<void>;
}

async function rawClient(baseUrl: string): Promise<RawClient> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined); // writing after the server closed is part of some tests
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  return { socket, answer: () => answer, closed };
}

/**
 * Sends `total` bytes in `chunkBytes` pieces, a pause between them and waiting for the socket to
 * take more, as a client that does not wait for an answer would; stops when the server answers
 * or closes. Returns how many bytes it handed to the socket.
 */
async function sendUntilAnswered(
  client: RawClient,
  total: number,
  piece: (offset: number, size: number) => Buffer,
  chunkBytes: number,
  pauseMs: number,
): Promise<number> {
  let open = true;
  void client.closed.then(() => (open = false));
  let sent = 0;
  while (open && sent < total && client.answer() === '') {
    const size = Math.min(chunkBytes, total - sent);
    const more = client.socket.write(piece(sent, size));
    sent += size;
    if (!more) await Promise.race([once(client.socket, 'drain'), client.closed, sleep(50)]);
    await sleep(pauseMs);
  }
  return sent;
}

function uploadHead(token: string, contentLength: number): string {
  return (
    'POST /uploads HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
    `Authorization: Bearer ${token}\r\n` +
    `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\n` +
    `Content-Length: ${contentLength}\r\n\r\n`
  );
}

/** POST a JSON body from a given local address (any 127.x.y.z reaches the loopback). */
function postFrom(
  baseUrl: string,
  path: string,
  body: unknown,
  localAddress: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: Record<string, unknown> }> {
  const { hostname, port } = new URL(baseUrl);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const call = httpRequest(
      {
        host: hostname,
        port,
        path,
        method: 'POST',
        localAddress,
        headers: { 'Content-Type': 'application/json', 'Content-Length': payload.length },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: JSON.parse(text) as Record<string, unknown>,
          }),
        );
      },
    );
    call.on('error', reject);
    call.end(payload);
  });
}

/** An HS256 token with the given claims, signed with the secret Kiln runs with. */
function signToken(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  const signature = createHmac('sha256', JWT_SECRET).update(unsigned).digest('base64url');
  return `${unsigned}.${signature}`;
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Hostile HTTP: cut, stalled, oversized and odd requests', () => {
  let kiln: RunningKiln;
  let user: TestUser;
  let png: Buffer;

  beforeAll(async () => {
    kiln = await startKiln({
      KILN_MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
      KILN_UPLOAD_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS),
      KILN_CORS_ORIGINS: ALLOWED_ORIGIN,
      JWT_SECRET,
    });
    user = await signUp(kiln.baseUrl, 'hostile');
    png = await sharp({
      create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 40, b: 10 } },
    })
      .png()
      .toBuffer();
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => kiln?.stop(), HOOK_TIMEOUT_MS);

  const authed = () => ({ Authorization: `Bearer ${user.token}` });

  it('removes the partial file of an upload whose client goes away mid-body', async () => {
    const { socket, closed } = await rawClient(kiln.baseUrl);
    socket.write(uploadHead(user.token, 10 * MAX_UPLOAD_BYTES));
    socket.write(partHead('cut.png'));
    socket.write(randomBytes(MAX_UPLOAD_BYTES / 2));
    await waitFor('the partial file on disk', () => uploadTempFiles(kiln.dataDir).length === 1);

    socket.destroy();
    await closed;
    await waitFor('no upload temp file', () => uploadTempFiles(kiln.dataDir).length === 0, 10_000);
  });

  it('answers 413 while the client is still sending, and closes the connection', async () => {
    const total = 200 * 1024 * 1024;
    const client = await rawClient(kiln.baseUrl);
    const { answer, closed } = client;
    client.socket.write(uploadHead(user.token, total));
    client.socket.write(partHead('big.png'));
    const filler = randomBytes(64 * 1024);
    const sent = await sendUntilAnswered(
      client,
      total,
      (_, size) => filler.subarray(0, size),
      64 * 1024,
      1,
    );
    await waitFor('the answer', () => answer().includes('}') || undefined, 10_000);

    expect(answer()).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer()).toMatch(/\r\nConnection: close\r\n/i);
    expect(answer()).toContain('"code":"UPLOAD_TOO_LARGE"');
    // Before it answered, the server had taken no more than it needed (and socket buffers hold).
    expect(sent).toBeLessThan(total / 4);
    const answeredAt = Date.now();
    await closed;
    expect(Date.now() - answeredAt).toBeLessThan(5000);
    await waitFor('no upload temp file', () => uploadTempFiles(kiln.dataDir).length === 0, 10_000);
  }, 60_000);

  it('answers 408 to an upload that stops moving, and keeps nothing', async () => {
    const { socket, answer, closed } = await rawClient(kiln.baseUrl);
    socket.write(uploadHead(user.token, MAX_UPLOAD_BYTES));
    socket.write(partHead('stalled.png'));
    socket.write(randomBytes(10_000));
    await waitFor('the partial file on disk', () => uploadTempFiles(kiln.dataDir).length === 1);
    const stalledAt = Date.now();

    await closed;
    expect(Date.now() - stalledAt).toBeGreaterThanOrEqual(IDLE_TIMEOUT_MS - 500);
    expect(answer()).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer()).toContain('"code":"UPLOAD_IDLE_TIMEOUT"');
    expect(uploadTempFiles(kiln.dataDir)).toEqual([]);
  }, 60_000);

  it('lets a slow upload that keeps moving take longer than the idle timeout', async () => {
    const { socket, answer, closed } = await rawClient(kiln.baseUrl);
    const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
    const head = partHead('slow.png');
    socket.write(uploadHead(user.token, head.length + png.length + tail.length));
    socket.write(head);
    // 3 × IDLE_TIMEOUT_MS in all, never idle for half of it.
    const pieces = 6;
    const step = Math.ceil(png.length / pieces);
    for (let i = 0; i < pieces; i++) {
      socket.write(png.subarray(i * step, (i + 1) * step));
      await sleep(IDLE_TIMEOUT_MS / 2);
    }
    socket.write(tail);

    await waitFor('the answer', () => answer().includes('"assets"') || undefined);
    expect(answer()).toMatch(/^HTTP\/1\.1 201 /);
    socket.destroy();
    await closed;
  }, 60_000);

  it('keeps a UTF-8 filename as sent (curl -F "files=@small.png;filename=ü名前.png")', async () => {
    // curl puts the name's UTF-8 bytes in the header as they are.
    const body = Buffer.concat([
      partHead('ü名前.png'),
      png,
      Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
    ]);
    const response = await request(kiln.baseUrl)
      .post('/uploads')
      .set(authed())
      .set('Content-Type', `multipart/form-data; boundary=${BOUNDARY}`)
      .send(body)
      .expect(201);
    const [asset] = response.body.assets as Array<{ id: string; filename: string }>;
    expect(asset.filename).toBe('ü名前.png');

    const stored = await request(kiln.baseUrl).get(`/assets/${asset.id}`).set(authed()).expect(200);
    expect(stored.body.filename).toBe('ü名前.png');
  });

  it('answers 416 with Content-Range: bytes */size to a Range no byte satisfies, logging no stack', async () => {
    const upload = await request(kiln.baseUrl)
      .post('/uploads')
      .set(authed())
      .attach('files', png, 'range.png')
      .expect(201);
    const { id: assetId, taskId } = upload.body.assets[0] as { id: string; taskId: string };
    await waitFor('the task to succeed', async () => {
      const { body } = await request(kiln.baseUrl).get(`/tasks/${taskId}`).set(authed());
      if (body.state === 'failed') throw new Error(`task failed: ${JSON.stringify(body)}`);
      return body.state === 'succeeded' || undefined;
    });
    const { body: asset } = await request(kiln.baseUrl)
      .get(`/assets/${assetId}`)
      .set(authed())
      .expect(200);
    const { bytes } = (asset.outputs as Array<{ name: string; bytes: number }>).find(
      (output) => output.name === 'thumbnail.png',
    ) as { bytes: number };
    const url = `/assets/${assetId}/outputs/thumbnail.png`;

    for (const range of ['bytes=999999-', 'bytes=5-2']) {
      const response = await request(kiln.baseUrl).get(url).set(authed()).set('Range', range);
      expect(response.status).toBe(416);
      expect(response.headers['content-range']).toBe(`bytes */${bytes}`);
      expect(response.body).toEqual({
        statusCode: 416,
        code: 'RANGE_NOT_SATISFIABLE',
        message: `The Range asks for no byte of "thumbnail.png", which has ${bytes} bytes (first byte 0, last ${bytes - 1}).`,
      });
    }
    const partial = await request(kiln.baseUrl)
      .get(url)
      .set(authed())
      .set('Range', 'bytes=1-3')
      .buffer(true)
      .expect(206);
    expect((partial.body as Buffer).toString('latin1')).toBe('PNG');
    expect(kiln.output()).not.toMatch(/RangeNotSatisfiable|\n\s+at /);
  }, 60_000);

  it('answers 413 PAYLOAD_TOO_LARGE with the error body to a 3 MB JSON login, before reading it', async () => {
    const big = Buffer.from(
      JSON.stringify({ username: 'someone', password: 'x'.repeat(3 * 1024 * 1024) }),
    );
    const client = await rawClient(kiln.baseUrl);
    const { answer, closed } = client;
    client.socket.write(
      'POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        `Content-Length: ${big.length}\r\n\r\n`,
    );
    // About 2 s of sending: the answer comes long before the end.
    const sent = await sendUntilAnswered(
      client,
      big.length,
      (offset, size) => big.subarray(offset, offset + size),
      16 * 1024,
      10,
    );
    await closed;

    expect(answer()).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer()).toMatch(/\r\nConnection: close\r\n/i);
    expect(sent).toBeLessThan(big.length / 2);
    const body = JSON.parse(answer().slice(answer().indexOf('\r\n\r\n') + 4)) as unknown;
    expect(body).toEqual({
      statusCode: 413,
      code: 'PAYLOAD_TOO_LARGE',
      message:
        'The request body is larger than the 102400-byte limit for JSON and form bodies; files go to POST /uploads.',
    });
    expect(kiln.output()).not.toContain('PayloadTooLargeError');
  });

  it("refuses a socket, and a REST call, whose token's session belongs to another user", async () => {
    const victim = await signUp(kiln.baseUrl, 'victim');
    const now = Math.floor(Date.now() / 1000);
    const crossed = signToken({
      sub: claimsOf(user.token).sub,
      sid: victim.sessionId,
      name: user.username,
      iat: now,
      exp: now + 300,
    });
    // The same claims with the user's own session are accepted: only the crossing is refused.
    const own = signToken({ ...claimsOf(crossed), sid: user.sessionId });
    const { socket } = await connectRealtime(kiln.baseUrl, { token: own });
    socket.disconnect();

    await expect(connectRealtime(kiln.baseUrl, { token: crossed })).rejects.toThrow('unauthorized');
    await request(kiln.baseUrl)
      .get('/tasks')
      .set('Authorization', `Bearer ${crossed}`)
      .expect(401, /UNAUTHORIZED/);
  });

  it('answers the 11th wrong password for a username with 429 and Retry-After, and still lets its owner in from a known address', async () => {
    // The owner signed in from 127.0.0.1; the guesses come from 127.0.0.2.
    const owner = await signUp(kiln.baseUrl, 'owner');
    const guess = { username: owner.username, password: 'not the password' };
    for (let i = 0; i < 10; i++) {
      const response = await postFrom(kiln.baseUrl, '/auth/login', guess, '127.0.0.2');
      expect(response.body.code).toBe('INVALID_CREDENTIALS');
    }

    const refused = await postFrom(kiln.baseUrl, '/auth/login', guess, '127.0.0.2');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      statusCode: 429,
      code: 'TOO_MANY_ATTEMPTS',
      message: expect.stringMatching(
        /^Too many failed sign-ins for this username; try again in \d+ s\.$/,
      ) as unknown,
    });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(800);
    expect(retryAfter).toBeLessThanOrEqual(900);

    const right = { username: owner.username, password: 'correct horse battery' };
    expect((await postFrom(kiln.baseUrl, '/auth/login', right, '127.0.0.3')).status).toBe(429);
    expect((await postFrom(kiln.baseUrl, '/auth/login', right, '127.0.0.1')).status).toBe(200);
  }, 60_000);

  it('answers CORS for the configured origin and the API’s own, not for an unknown one', async () => {
    const allowed = await request(kiln.baseUrl)
      .get('/health')
      .set('Origin', ALLOWED_ORIGIN)
      .expect(200);
    expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(allowed.headers['access-control-expose-headers']).toContain('Retry-After');

    const own = await request(kiln.baseUrl).get('/health').set('Origin', kiln.baseUrl).expect(200);
    expect(own.headers['access-control-allow-origin']).toBe(kiln.baseUrl);

    const unknown = await request(kiln.baseUrl)
      .get('/health')
      .set('Origin', 'https://evil.example')
      .expect(200);
    expect(unknown.headers).not.toHaveProperty('access-control-allow-origin');

    const preflight = await request(kiln.baseUrl)
      .options('/auth/login')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(preflight.headers).not.toHaveProperty('access-control-allow-origin');
    const allowedPreflight = await request(kiln.baseUrl)
      .options('/auth/login')
      .set('Origin', ALLOWED_ORIGIN)
      .set('Access-Control-Request-Method', 'POST')
      .expect(204);
    expect(allowedPreflight.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
  });

  it('refuses a socket from a page of an unknown origin, and accepts the configured one', async () => {
    const connectFrom = (origin: string) =>
      new Promise<ClientSocket>((resolve, reject) => {
        const socket = io(`${kiln.baseUrl}/realtime`, {
          auth: { token: user.token },
          transports: ['websocket'],
          reconnection: false,
          extraHeaders: { Origin: origin },
        });
        socket.once('connect', () => resolve(socket));
        socket.once('connect_error', (error) => {
          socket.close();
          reject(error);
        });
      });

    await expect(connectFrom('https://evil.example')).rejects.toThrow('origin not allowed');
    (await connectFrom(ALLOWED_ORIGIN)).disconnect();
  });

  it('documents the download answers (200, 206, 302, 304, 404, 416) and the upload limits', async () => {
    /** The part of an OpenAPI operation this test reads. */
    interface Operation {
      description?: string;
      responses: Record<string, { content?: object; headers?: object }>;
      requestBody: {
        content: Record<string, { schema: { properties: Record<string, { maxItems?: number }> } }>;
      };
    }
    const { body } = await request(kiln.baseUrl).get('/docs-json').expect(200);
    const document = body as { paths: Record<string, Record<string, Operation>> };
    const download = document.paths['/assets/{id}/outputs/{name}'].get;
    expect(Object.keys(download.responses).sort()).toEqual([
      '200',
      '206',
      '302',
      '304',
      '401',
      '404',
      '416',
    ]);
    expect(Object.keys(download.responses['200'].content ?? {})).toEqual([
      'image/png',
      'image/webp',
      'application/json',
    ]);
    expect(download.responses['206'].content).toEqual(download.responses['200'].content);
    expect(Object.keys(download.responses['404'].content ?? {})).toEqual(['application/json']);
    expect(download.responses['416'].headers).toHaveProperty('Content-Range');

    const upload = document.paths['/uploads'].post;
    expect(upload.description).toContain('At most 100 files');
    expect(upload.requestBody.content['multipart/form-data'].schema.properties.files.maxItems).toBe(
      100,
    );
    expect(Object.keys(upload.responses)).toContain('408');
  });
});

describe('Start-up with a bad secret', () => {
  it('names JWT_SECRET as bad without printing it', async () => {
    const secret = 'too-short-secret';
    const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/main.js')], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, JWT_SECRET: secret.slice(0, 12), PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

    expect(code).toBe(1);
    expect(output).toContain(
      'JWT_SECRET=(hidden, 12 characters) is not at least 16 characters long',
    );
    expect(output).not.toContain(secret.slice(0, 12));
  }, 60_000);
});
