/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return --
   Plain JavaScript run by node without a compile step: values from JSON, IPC and sockets are
   untyped (`any`) to the type-aware rules, which are meant for the TypeScript sources. */
// A small HTTP + Socket.IO client for Kiln: JSON calls, streamed multipart uploads, sessions.
import { randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import http from 'node:http';
import { io } from 'socket.io-client';

export const defaultAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/**
 * One HTTP call to 127.0.0.1. `body`: an object (sent as JSON), or `{ multipart }` (see upload).
 * Resolves `{ status, body, ms }`; never rejects on an HTTP error status.
 */
export function call(
  baseUrl,
  method,
  path,
  { token, json, agent = defaultAgent, timeoutMs = 60_000 } = {},
) {
  const url = new URL(path, baseUrl);
  if (url.hostname !== '127.0.0.1') throw new Error(`refusing to talk to ${url.hostname}`);
  const payload = json === undefined ? undefined : Buffer.from(JSON.stringify(json));
  const headers = {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
  };
  return send(url, method, headers, agent, timeoutMs, (req) => req.end(payload));
}

/**
 * POST /uploads with one or more files, streamed from disk: `files` is `[{ path, filename }]`.
 */
export function upload(baseUrl, token, files, { agent = defaultAgent, timeoutMs = 120_000 } = {}) {
  const url = new URL('/uploads', baseUrl);
  const boundary = `----kilnbench${randomBytes(12).toString('hex')}`;
  const parts = files.map(({ path, filename }) => ({
    path,
    head: Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${filename}"\r\n` +
        `Content-Type: application/octet-stream\r\n\r\n`,
    ),
    size: statSync(path).size,
  }));
  const tail = Buffer.from(`--${boundary}--\r\n`);
  const length = parts.reduce((sum, p) => sum + p.head.length + p.size + 2, tail.length);
  const headers = {
    authorization: `Bearer ${token}`,
    'content-type': `multipart/form-data; boundary=${boundary}`,
    'content-length': length,
  };
  return send(url, 'POST', headers, agent, timeoutMs, async (req) => {
    for (const part of parts) {
      req.write(part.head);
      for await (const chunk of createReadStream(part.path, { highWaterMark: 256 * 1024 })) {
        if (!req.write(chunk)) await new Promise((resolve) => req.once('drain', resolve));
      }
      req.write('\r\n');
    }
    req.end(tail);
  });
}

function send(url, method, headers, agent, timeoutMs, writeBody) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request(url, { method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const text = Buffer.concat(chunks).toString();
        let body = text;
        if ((res.headers['content-type'] ?? '').includes('json')) {
          try {
            body = JSON.parse(text);
          } catch {
            // keep the text
          }
        }
        resolve({ status: res.statusCode, body, ms });
      });
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url.pathname} timed out`)));
    req.on('error', reject);
    Promise.resolve(writeBody(req)).catch((error) => req.destroy(error));
  });
}

export function expectStatus(response, status, what) {
  if (response.status !== status) {
    throw new Error(
      `${what}: expected ${status}, got ${response.status} ${JSON.stringify(response.body)}`,
    );
  }
  return response.body;
}

let userCounter = 0;

/** Registers a fresh user and logs in: one session. */
export async function signUp(baseUrl, name = 'bench') {
  const username = `${name}${Date.now().toString(36)}${userCounter++}`;
  const password = 'correct horse battery staple';
  const user = expectStatus(
    await call(baseUrl, 'POST', '/auth/register', { json: { username, password } }),
    201,
    'register',
  );
  const login = expectStatus(
    await call(baseUrl, 'POST', '/auth/login', { json: { username, password } }),
    200,
    'login',
  );
  return { userId: user.id, username, token: login.accessToken, sessionId: login.sessionId };
}

/**
 * A socket on /realtime for a session, recording every event with its arrival time
 * (performance.now()). `waitFor(predicate, timeoutMs)` resolves with the first recorded event
 * (old or new) the predicate accepts.
 */
export async function connectSocket(baseUrl, token, { timeoutMs = 15_000 } = {}) {
  const socket = io(`${baseUrl}/realtime`, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  const events = [];
  const waiters = new Set();
  socket.onAny((name, payload) => {
    // `wall` is compared with the payload's server time `at` (same machine, same clock).
    const event = { name, payload, t: performance.now(), wall: Date.now() };
    events.push(event);
    for (const waiter of waiters) {
      if (waiter.predicate(event)) {
        waiters.delete(waiter);
        waiter.resolve(event);
      }
    }
  });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket connect timed out')), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  return {
    socket,
    events,
    waitFor(predicate, waitMs = 120_000) {
      const seen = events.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { predicate, resolve };
        waiters.add(waiter);
        setTimeout(() => {
          if (waiters.delete(waiter))
            reject(new Error(`no matching socket event within ${waitMs} ms`));
        }, waitMs).unref();
      });
    },
    close() {
      socket.close();
    },
  };
}

/** Runs `fn` over `items` with at most `limit` at once. */
export async function mapLimit(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  });
  await Promise.all(lanes);
  return results;
}
