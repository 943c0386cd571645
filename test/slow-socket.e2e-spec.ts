import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import request from 'supertest';
import { RedisKeys } from '../src/redis/redis-keys';
import { connectTestRedis } from './support/test-redis';
import {
  type RealtimeClient,
  type RunningKiln,
  type TestUser,
  connectRealtime,
  signUp,
  startKiln,
  waitFor,
} from './support/kiln-app';

/** Small, so the test floods past it quickly; the default is 1000. */
const MAX_BUFFERED = 200;
/** Files per upload (the most one upload takes): each queues a task, one `task.queued` event. */
const FILES_PER_UPLOAD = 100;
/** A stalled socket is cut after at most a few thousand events; past this many, it never was. */
const MAX_UPLOADS = 40;
/** Uploads after the cut, as the stalled client stays stopped: 500 more events. */
const UPLOADS_AFTER_CUT = 5;
/** Uploading is most of the time taken; a loaded 2-core machine needs more than the usual 60 s. */
const FLOOD_TIMEOUT_MS = 120_000;

type Received = Array<{ name: string; payload: Record<string, unknown> }>;

/** The resident memory of a process, in MiB (Linux). */
function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/**
 * A socket that stops reading: its client connects through socat, which is then stopped
 * (SIGSTOP). socat's side of the connection to Kiln announces a small MSS and receive buffer, so
 * the kernel holds only a few thousand events before Engine.IO starts queueing them in memory.
 */
describe('Flood control: a socket that stops reading is cut, and resumes by replay', () => {
  let kiln: RunningKiln;
  let dora: TestUser;
  const proxies: ChildProcess[] = [];
  let png: Buffer;

  beforeAll(async () => {
    // No worker: every task stays queued, so each upload makes 100 events and no CPU work.
    kiln = await startKiln({
      KILN_ROLE: 'api',
      KILN_SOCKET_MAX_BUFFERED_EVENTS: String(MAX_BUFFERED),
      KILN_STREAM_MAX_EVENTS: '100000',
    });
    dora = await signUp(kiln.baseUrl, 'dora');
    png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#a73' } })
      .png()
      .toBuffer();
  });
  afterAll(async () => {
    for (const proxy of proxies) {
      if (proxy.exitCode !== null || proxy.signalCode !== null) continue;
      proxy.kill('SIGCONT');
      proxy.kill('SIGKILL');
    }
    await kiln?.stop();
  });

  /**
   * Starts a socat proxy to Kiln for one connection, on a port the system picks (socat names it
   * in its notices); answers its URL and the process.
   */
  async function startProxy(): Promise<{ url: string; proxy: ChildProcess }> {
    const target = new URL(kiln.baseUrl);
    const proxy = spawn(
      'socat',
      [
        '-d',
        '-d',
        'TCP-LISTEN:0,bind=127.0.0.1',
        `TCP:${target.hostname}:${target.port},mss=536,rcvbuf=4096`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    proxies.push(proxy);
    let notices = '';
    proxy.stderr?.on('data', (chunk: Buffer) => (notices += chunk.toString()));
    const port = await waitFor(
      'socat to listen',
      () => /listening on AF=2 127\.0\.0\.1:(\d+)/.exec(notices)?.[1],
      10_000,
    );
    return { url: `http://127.0.0.1:${port}`, proxy };
  }

  /**
   * The warning Kiln logs once when it cuts the socket, capturing how far behind it was and how
   * many of those were live events held behind its replay.
   */
  const cutLine = (socketId: string | undefined) =>
    new RegExp(
      `Socket ${socketId} of session ${dora.sessionId} fell (\\d+) events behind` +
        `(?:, (\\d+) held behind its replay)? \\(KILN_SOCKET_MAX_BUFFERED_EVENTS=${MAX_BUFFERED}\\): disconnected, it resumes by replay`,
    );

  async function uploadImages(): Promise<void> {
    const upload = request(kiln.baseUrl)
      .post('/uploads')
      .set({ Authorization: `Bearer ${dora.token}` });
    for (let i = 0; i < FILES_PER_UPLOAD; i++) upload.attach('files', png, `tile-${i}.png`);
    await upload.expect(201);
  }

  async function streamIds(): Promise<string[]> {
    const { redis } = connectTestRedis();
    try {
      const key = new RedisKeys(kiln.keyPrefix).sessionStream(dora.sessionId);
      return (await redis.xrange(key, '-', '+')).map(([id]) => id);
    } finally {
      await redis.quit();
    }
  }

  const ids = (events: Received) => events.map((e) => e.payload.eventId as string);

  it(
    'cuts the stalled socket at the cap without holding its events, keeps a reading one, and replays all of them to the next connection',
    async () => {
      const steady = await connectRealtime(kiln.baseUrl, { token: dora.token });
      const { url, proxy } = await startProxy();
      const slow = await connectRealtime(url, { token: dora.token });
      let reconnected: { socket: RealtimeClient; events: Received } | undefined;
      try {
        const slowId = slow.socket.id;
        const cut = cutLine(slowId);
        const rssBefore = rssMiB(kiln.process.pid!);
        proxy.kill('SIGSTOP');

        let uploads = 0;
        while (!cut.test(kiln.output()) && uploads < MAX_UPLOADS) {
          await uploadImages();
          uploads++;
        }
        expect(cut.test(kiln.output())).toBe(true);
        const rssAtCut = rssMiB(kiln.process.pid!);
        // More than the cap again after the cut: nothing is kept for the stalled client any more.
        for (let i = 0; i < UPLOADS_AFTER_CUT; i++) await uploadImages();
        const rssAfter = rssMiB(kiln.process.pid!);
        const total = (uploads + UPLOADS_AFTER_CUT) * FILES_PER_UPLOAD;
        console.log(
          `slow socket cut after ${uploads * FILES_PER_UPLOAD} events; ${total} in all; ` +
            `api RSS ${rssBefore.toFixed(0)} → ${rssAtCut.toFixed(0)} (cut) → ${rssAfter.toFixed(0)} MiB`,
        );

        // Cut on reaching the cap exactly: never more than MAX_BUFFERED events were queued for it.
        expect(cut.exec(kiln.output())?.slice(1)).toEqual([String(MAX_BUFFERED), undefined]);
        expect(kiln.output().match(new RegExp(`Socket ${slowId} `, 'g'))).toHaveLength(1);
        // Loose on purpose (RSS is noisy): a server that kept the events would hold them all.
        expect(rssAfter - rssBefore).toBeLessThan(200);

        // The client learns of the cut once it reads again, having received a prefix of the events.
        proxy.kill('SIGCONT');
        await waitFor('the client to see the cut', () => slow.socket.disconnected);
        const stream = await streamIds();
        expect(stream).toHaveLength(total);
        await waitFor('the steady socket to get every event', () => steady.events.length >= total);
        expect(ids(steady.events)).toEqual(stream);
        expect(steady.socket.connected).toBe(true);
        const received = ids(slow.events);
        expect(received.length).toBeGreaterThan(0);
        expect(received.length).toBeLessThan(total);
        expect(received).toEqual(stream.slice(0, received.length));

        // Resuming from the last event it got, it gets every later one: no gap, no duplicate. The
        // replay is longer than the cap, and paced rather than cut.
        expect(total - received.length).toBeGreaterThan(2 * MAX_BUFFERED);
        const resumed = await connectRealtime(kiln.baseUrl, {
          token: dora.token,
          lastEventId: received[received.length - 1],
        });
        reconnected = resumed;
        await waitFor('the replay', () => resumed.events.length >= total - received.length);
        await new Promise((r) => setTimeout(r, 200)); // nothing more may come
        expect([...received, ...ids(resumed.events)]).toEqual(stream);
        expect(resumed.socket.connected).toBe(true);
      } finally {
        steady.socket.disconnect();
        slow.socket.disconnect();
        reconnected?.socket.disconnect();
      }
    },
    FLOOD_TIMEOUT_MS,
  );

  it(
    'cuts a socket that stops reading during its replay once the replay and the live events held behind it reach the cap',
    async () => {
      // A replay longer than the kernel's buffers and the cap together.
      while ((await streamIds()).length < 2_000) await uploadImages();
      const [from] = await streamIds();
      const { url, proxy } = await startProxy();
      const slow = await connectRealtime(url, { token: dora.token, lastEventId: from });
      proxy.kill('SIGSTOP');
      let reconnected: { socket: RealtimeClient; events: Received } | undefined;
      try {
        const cut = cutLine(slow.socket.id);
        // Its replay alone (every event but the first) fills the kernel's buffers and half the cap;
        // the live events of these uploads are held behind it until the cap is reached.
        let uploads = 0;
        while (!cut.test(kiln.output()) && uploads < MAX_UPLOADS) {
          await uploadImages();
          uploads++;
        }
        const [behind, heldBack] = cut.exec(kiln.output())?.slice(1) ?? [];
        expect(behind).toBe(String(MAX_BUFFERED));
        // The replay waited for the connection with half the cap unsent; live events took the rest.
        expect(Number(heldBack)).toBeGreaterThanOrEqual(MAX_BUFFERED / 2);
        expect(uploads).toBeLessThanOrEqual(Math.ceil(MAX_BUFFERED / FILES_PER_UPLOAD));

        proxy.kill('SIGCONT');
        await waitFor('the client to see the cut', () => slow.socket.disconnected);
        const stream = await streamIds();
        const received = ids(slow.events);
        expect(received.length).toBeGreaterThan(0);
        expect(received).toEqual(stream.slice(1, 1 + received.length));

        const resumed = await connectRealtime(kiln.baseUrl, {
          token: dora.token,
          lastEventId: received[received.length - 1],
        });
        reconnected = resumed;
        await waitFor(
          'the replay',
          () => resumed.events.length >= stream.length - 1 - received.length,
        );
        await new Promise((r) => setTimeout(r, 200));
        expect([from, ...received, ...ids(resumed.events)]).toEqual(stream);
      } finally {
        slow.socket.disconnect();
        reconnected?.socket.disconnect();
      }
    },
    FLOOD_TIMEOUT_MS,
  );
});
