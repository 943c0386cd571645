import { join } from 'node:path';
import request from 'supertest';
import { compareEventIds } from '../src/realtime/session-stream';
import {
  FIXTURES,
  type RunningKiln,
  type TestUser,
  connectRealtime,
  signUp,
  startKiln,
  waitFor,
} from './support/kiln-app';

const PNG = join(FIXTURES, 'image/CesiumLogoFlat.png');
/** A cap under 1000 is trimmed exactly (session-stream-format.ts): the stream keeps the last 5. */
const MAX_EVENTS = 5;

describe('Replay all the way: a short session stream answers resync, then live events', () => {
  let kiln: RunningKiln;
  let erin: TestUser;
  /** Every event ids of erin's session, as her first socket received them. */
  let seen: string[];

  beforeAll(async () => {
    kiln = await startKiln({
      KILN_STREAM_MAX_EVENTS: String(MAX_EVENTS),
      KILN_PROGRESS_HZ: '50',
      KILN_WORKER_CONCURRENCY: '1',
    });
    erin = await signUp(kiln.baseUrl, 'erin');
    const first = await connectRealtime(kiln.baseUrl, { token: erin.token });
    try {
      // Enough events that the first ones are surely trimmed away.
      while (first.events.length < 3 * MAX_EVENTS) await uploadAndSettle(first.events);
    } finally {
      first.socket.disconnect();
    }
    seen = first.events.map((e) => e.payload.eventId as string);
  });
  afterAll(async () => kiln?.stop());

  const authed = () => ({ Authorization: `Bearer ${erin.token}` });

  /** Uploads the PNG and waits until `events` has its task's task.succeeded; answers the task id. */
  async function uploadAndSettle(
    events: Array<{ name: string; payload: Record<string, unknown> }>,
  ): Promise<string> {
    const upload = await request(kiln.baseUrl)
      .post('/uploads')
      .set(authed())
      .attach('files', PNG)
      .expect(201);
    const taskId = upload.body.assets[0].taskId as string;
    await waitFor(`task ${taskId} to succeed`, () =>
      events.some((e) => e.name === 'task.succeeded' && e.payload.taskId === taskId),
    );
    return taskId;
  }

  it('replays exactly the events after a lastEventId the stream still holds, with no resync', async () => {
    const from = seen.length - MAX_EVENTS; // the oldest event kept
    const again = await connectRealtime(kiln.baseUrl, {
      token: erin.token,
      lastEventId: seen[from],
    });
    try {
      await waitFor('the replay', () => again.events.length === seen.length - from - 1);
      await new Promise((r) => setTimeout(r, 200)); // nothing more may come
      expect(again.events.map((e) => e.payload.eventId)).toEqual(seen.slice(from + 1));
      expect(again.events.map((e) => e.name)).not.toContain('resync');
    } finally {
      again.socket.disconnect();
    }
  });

  it('answers resync first (trimmed, naming the oldest event kept) to a trimmed lastEventId, then the live events', async () => {
    const again = await connectRealtime(kiln.baseUrl, { token: erin.token, lastEventId: seen[0] });
    try {
      await waitFor('resync', () => again.events.length > 0);
      expect(again.events).toEqual([
        {
          name: 'resync',
          payload: {
            reason: 'trimmed',
            oldestEventId: seen[seen.length - MAX_EVENTS],
            at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
          },
        },
      ]);
      const taskId = await uploadAndSettle(again.events);
      const live = again.events.slice(1);
      expect(live[0]).toMatchObject({ name: 'task.queued', payload: { taskId } });
      expect(live.every((e) => e.payload.taskId === taskId)).toBe(true);
      const newest = seen[seen.length - 1];
      for (const e of live)
        expect(compareEventIds(e.payload.eventId as string, newest)).toBeGreaterThan(0);
    } finally {
      again.socket.disconnect();
    }
  });

  it('answers resync (expired) to a lastEventId when the session has no stream, and ignores a malformed one', async () => {
    const frank = await signUp(kiln.baseUrl, 'frank');
    const lost = await connectRealtime(kiln.baseUrl, { token: frank.token, lastEventId: seen[0] });
    const malformed = await connectRealtime(kiln.baseUrl, {
      token: frank.token,
      lastEventId: 'not-an-id',
    });
    try {
      await waitFor('resync', () => lost.events.length > 0);
      expect(lost.events).toEqual([
        {
          name: 'resync',
          payload: { reason: 'expired', at: expect.any(String) as unknown },
        },
      ]);
      await new Promise((r) => setTimeout(r, 200));
      expect(malformed.events).toEqual([]);
    } finally {
      lost.socket.disconnect();
      malformed.socket.disconnect();
    }
  });
});
