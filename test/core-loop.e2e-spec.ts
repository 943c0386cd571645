import { join } from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import {
  FIXTURES,
  type RunningKiln,
  type TestUser,
  connectRealtime,
  signUp,
  startKiln,
  waitFor,
} from './support/kiln-app';

const PNG = join(FIXTURES, 'image/CesiumLogoFlat.png'); // 211×211 RGB
const JPEG = join(FIXTURES, 'image/Collada_Sample.jpg'); // 1024×1024 RGB

describe('The core loop: upload an image, process it on workers, watch it live', () => {
  let kiln: RunningKiln;
  let alice: TestUser;

  beforeAll(async () => {
    kiln = await startKiln({ KILN_PROGRESS_HZ: '50' });
    alice = await signUp(kiln.baseUrl, 'alice');
  });
  afterAll(async () => kiln?.stop());

  const api = () => request(kiln.baseUrl);
  const authed = (user: TestUser) => ({ Authorization: `Bearer ${user.token}` });

  async function settled(user: TestUser, taskId: string): Promise<Record<string, unknown>> {
    return waitFor(`task ${taskId} to settle`, async () => {
      const { body } = await api().get(`/tasks/${taskId}`).set(authed(user)).expect(200);
      return ['succeeded', 'failed', 'cancelled'].includes(body.state as string)
        ? (body as Record<string, unknown>)
        : undefined;
    });
  }

  it('answers /health with Redis up and serves the OpenAPI document', async () => {
    const health = await api().get('/health').expect(200);
    expect(health.body).toMatchObject({ status: 'ok', redis: 'up', role: 'all' });
    const docs = await api().get('/docs-json').expect(200);
    expect(Object.keys(docs.body.paths as object)).toEqual(
      expect.arrayContaining([
        '/auth/register',
        '/auth/login',
        '/auth/logout',
        '/uploads',
        '/assets',
        '/assets/{id}',
        '/assets/{id}/outputs/{name}',
        '/assets/{id}/tasks',
        '/tasks',
        '/tasks/{id}',
        '/health',
      ]),
    );
  });

  it('streams queued → started → progress → succeeded to the session, and serves the outputs', async () => {
    const { socket, events } = await connectRealtime(kiln.baseUrl, { token: alice.token });
    try {
      const upload = await api()
        .post('/uploads')
        .set(authed(alice))
        .attach('files', PNG)
        .expect(201);
      expect(upload.body.assets).toHaveLength(1);
      const [asset] = upload.body.assets as Array<Record<string, string | number>>;
      expect(asset).toMatchObject({ filename: 'CesiumLogoFlat.png', kind: 'image', bytes: 22051 });
      expect(asset.sha256).toMatch(/^0cbe97b55e6b2156[0-9a-f]{48}$/);

      await waitFor('task.succeeded', () => events.some((e) => e.name === 'task.succeeded'));
      const names = events.map((e) => e.name);
      expect(names[0]).toBe('task.queued');
      expect(names[1]).toBe('task.started');
      expect(names[names.length - 1]).toBe('task.succeeded');
      const progress = events.filter((e) => e.name === 'task.progress');
      expect(progress.length).toBeGreaterThanOrEqual(1);
      expect(names.slice(2, -1).every((n) => n === 'task.progress')).toBe(true);
      const percents = progress.map((e) => e.payload.progress as number);
      expect([...percents].sort((a, b) => a - b)).toEqual(percents);
      expect(
        progress.every((e) => ['inspect', 'render', 'variants'].includes(e.payload.step as string)),
      ).toBe(true);
      // Each step says when it ended and what it left, downloadable from then on.
      expect(
        progress
          .filter((e) => e.payload.outputs)
          .map((e) => [e.payload.step, e.payload.outputs])
          .sort(),
      ).toEqual([
        ['inspect', ['metadata.json']],
        ['render', ['thumbnail.png']],
        ['variants', ['preview.webp']],
      ]);
      for (const event of events) {
        expect(event.payload).toMatchObject({ taskId: asset.taskId, assetId: asset.id });
        expect(event.payload.eventId).toMatch(/^\d+-\d+$/);
        expect(new Date(event.payload.at as string).toISOString()).toBe(event.payload.at);
      }
      const ids = events.map((e) => e.payload.eventId as string);
      expect(new Set(ids).size).toBe(ids.length);
      expect(events[events.length - 1].payload.outputs).toEqual([
        'metadata.json',
        'thumbnail.png',
        'preview.webp',
      ]);
    } finally {
      socket.disconnect();
    }
  });

  it('shows the finished task, the asset with its metadata, and downloads each output', async () => {
    const upload = await api()
      .post('/uploads')
      .set(authed(alice))
      .attach('files', JPEG)
      .expect(201);
    const { id: assetId, taskId } = upload.body.assets[0] as { id: string; taskId: string };
    const task = await settled(alice, taskId);
    expect(task).toMatchObject({
      id: taskId,
      assetId,
      type: 'process',
      state: 'succeeded',
      progress: 100,
      attempts: 1,
      // A finished task names its last step, not whichever step reported last.
      step: 'variants',
      outputs: ['metadata.json', 'thumbnail.png', 'preview.webp'],
    });
    expect(task).not.toHaveProperty('error');

    const list = await api().get('/tasks').set(authed(alice)).expect(200);
    expect((list.body as Array<{ id: string }>).map((t) => t.id)).toContain(taskId);

    const { body: asset } = await api().get(`/assets/${assetId}`).set(authed(alice)).expect(200);
    expect(asset.metadata).toMatchObject({
      width: 1024,
      height: 1024,
      channels: 3,
      hasAlpha: false,
      format: 'jpeg',
    });
    expect(asset.metadata.dominantColor).toMatch(/^#[0-9a-f]{6}$/);
    expect(
      (asset.outputs as Array<{ name: string; contentType: string }>).map((o) => [
        o.name,
        o.contentType,
      ]),
    ).toEqual([
      ['metadata.json', 'application/json'],
      ['preview.webp', 'image/webp'],
      ['thumbnail.png', 'image/png'],
    ]);

    const thumbnail = await api()
      .get(`/assets/${assetId}/outputs/thumbnail.png`)
      .set(authed(alice))
      .buffer(true)
      .expect(200);
    expect(thumbnail.headers['content-type']).toBe('image/png');
    expect(Number(thumbnail.headers['content-length'])).toBe((thumbnail.body as Buffer).length);
    expect(await sharp(thumbnail.body as Buffer).metadata()).toMatchObject({
      format: 'png',
      width: 512,
      height: 512,
    });

    const preview = await api()
      .get(`/assets/${assetId}/outputs/preview.webp`)
      .set(authed(alice))
      .buffer(true)
      .expect(200);
    expect(await sharp(preview.body as Buffer).metadata()).toMatchObject({
      format: 'webp',
      width: 1024,
      height: 1024,
    });

    const metadata = await api()
      .get(`/assets/${assetId}/outputs/metadata.json`)
      .set(authed(alice))
      .expect(200);
    expect(metadata.body).toEqual(asset.metadata);

    const etag = thumbnail.headers.etag;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    await api()
      .get(`/assets/${assetId}/outputs/thumbnail.png`)
      .set(authed(alice))
      .set('If-None-Match', etag)
      .expect(304);
    const range = await api()
      .get(`/assets/${assetId}/outputs/thumbnail.png`)
      .set(authed(alice))
      .set('Range', 'bytes=0-7')
      .buffer(true)
      .expect(206);
    expect(
      (range.body as Buffer).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
    ).toBe(true);
    await api()
      .get(`/assets/${assetId}/outputs/model.glb`)
      .set(authed(alice))
      .expect(404, /OUTPUT_NOT_FOUND/);
  });

  it('re-runs one step with other options: render at 64 px', async () => {
    const upload = await api().post('/uploads').set(authed(alice)).attach('files', PNG).expect(201);
    const { id: assetId, taskId } = upload.body.assets[0] as { id: string; taskId: string };
    await settled(alice, taskId);
    const rerun = await api()
      .post(`/assets/${assetId}/tasks`)
      .set(authed(alice))
      .send({ type: 'render', options: { size: 64 } })
      .expect(201);
    const task = await settled(alice, rerun.body.taskId as string);
    expect(task).toMatchObject({
      type: 'render',
      state: 'succeeded',
      step: 'render',
      outputs: ['thumbnail.png'],
    });
    const thumbnail = await api()
      .get(`/assets/${assetId}/outputs/thumbnail.png`)
      .set(authed(alice))
      .buffer(true)
      .expect(200);
    expect(await sharp(thumbnail.body as Buffer).metadata()).toMatchObject({
      width: 64,
      height: 64,
    });

    await api()
      .post(`/assets/${assetId}/tasks`)
      .set(authed(alice))
      .send({ type: 'convert' })
      .expect(400, /TASK_TYPE_NOT_SUPPORTED/);
    await api()
      .post(`/assets/${assetId}/tasks`)
      .set(authed(alice))
      .send({ type: 'paint' })
      .expect(400);
  });

  it('runs two uploads at once, in one request and in two, and both succeed', async () => {
    const both = await api()
      .post('/uploads')
      .set(authed(alice))
      .attach('files', PNG)
      .attach('files', JPEG)
      .expect(201);
    expect((both.body.assets as Array<{ filename: string }>).map((a) => a.filename)).toEqual([
      'CesiumLogoFlat.png',
      'Collada_Sample.jpg',
    ]);
    const [first, second] = await Promise.all([
      api().post('/uploads').set(authed(alice)).attach('files', JPEG).expect(201),
      api().post('/uploads').set(authed(alice)).attach('files', PNG).expect(201),
    ]);
    const taskIds = [
      ...(both.body.assets as Array<{ taskId: string }>),
      first.body.assets[0],
      second.body.assets[0],
    ].map((a) => a.taskId as string);
    const states = await Promise.all(taskIds.map(async (id) => (await settled(alice, id)).state));
    expect(states).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
  });

  it("keeps one session's events and assets away from another user", async () => {
    const bob = await signUp(kiln.baseUrl, 'bob');
    const bobSocket = await connectRealtime(kiln.baseUrl, { token: bob.token });
    const aliceSocket = await connectRealtime(kiln.baseUrl, { token: alice.token });
    try {
      const upload = await api()
        .post('/uploads')
        .set(authed(alice))
        .attach('files', PNG)
        .expect(201);
      const { id: assetId, taskId } = upload.body.assets[0] as { id: string; taskId: string };
      await waitFor('alice sees her task succeed', () =>
        aliceSocket.events.some((e) => e.name === 'task.succeeded' && e.payload.taskId === taskId),
      );
      // Give a stray event time to arrive before asserting there was none.
      await new Promise((r) => setTimeout(r, 300));
      expect(bobSocket.events).toEqual([]);
      await api()
        .get(`/tasks/${taskId}`)
        .set(authed(bob))
        .expect(404, /TASK_NOT_FOUND/);
      await api()
        .get(`/assets/${assetId}`)
        .set(authed(bob))
        .expect(404, /ASSET_NOT_FOUND/);
      await api().get(`/assets/${assetId}/outputs/thumbnail.png`).set(authed(bob)).expect(404);
      await api()
        .post(`/assets/${assetId}/tasks`)
        .set(authed(bob))
        .send({ type: 'render' })
        .expect(404);
      const bobTasks = await api().get('/tasks').set(authed(bob)).expect(200);
      expect(bobTasks.body).toEqual([]);
    } finally {
      bobSocket.socket.disconnect();
      aliceSocket.socket.disconnect();
    }
  });

  it('replays the events after lastEventId to a reconnecting socket, then the live ones', async () => {
    const carol = await signUp(kiln.baseUrl, 'carol');
    const first = await connectRealtime(kiln.baseUrl, { token: carol.token });
    const upload = await api().post('/uploads').set(authed(carol)).attach('files', PNG).expect(201);
    await waitFor('the first task to succeed', () =>
      first.events.some((e) => e.name === 'task.succeeded'),
    );
    const seen = first.events[1].payload.eventId as string; // after task.started
    first.socket.disconnect();

    const again = await connectRealtime(kiln.baseUrl, { token: carol.token, lastEventId: seen });
    try {
      await waitFor('the replay', () => again.events.some((e) => e.name === 'task.succeeded'));
      expect(again.events.map((e) => e.payload.eventId)).toEqual(
        first.events.slice(2).map((e) => e.payload.eventId),
      );
      const next = await api().post('/uploads').set(authed(carol)).attach('files', PNG).expect(201);
      await waitFor('the live task', () =>
        again.events.some(
          (e) => e.name === 'task.succeeded' && e.payload.taskId === next.body.assets[0].taskId,
        ),
      );
      expect(upload.body.assets[0].taskId).not.toBe(next.body.assets[0].taskId);
    } finally {
      again.socket.disconnect();
    }
  });
});

describe('Auth at the edges', () => {
  let kiln: RunningKiln;
  beforeAll(async () => (kiln = await startKiln()));
  afterAll(async () => kiln?.stop());

  it('refuses sockets without a valid token with "unauthorized"', async () => {
    await expect(connectRealtime(kiln.baseUrl, {})).rejects.toThrow('unauthorized');
    await expect(connectRealtime(kiln.baseUrl, { token: 'not-a-jwt' })).rejects.toThrow(
      'unauthorized',
    );
    const dave = await signUp(kiln.baseUrl, 'dave');
    const [header, payload] = dave.token.split('.');
    await expect(
      connectRealtime(kiln.baseUrl, { token: `${header}.${payload}.forgedsignature` }),
    ).rejects.toThrow('unauthorized');
  });

  it('answers 401 without a token, 409 for a taken name, 401 for a wrong password', async () => {
    await request(kiln.baseUrl)
      .get('/tasks')
      .expect(401, /UNAUTHORIZED/);
    const erin = await signUp(kiln.baseUrl, 'erin');
    await request(kiln.baseUrl)
      .post('/auth/register')
      .send({ username: erin.username, password: 'another password' })
      .expect(409);
    await request(kiln.baseUrl)
      .post('/auth/login')
      .send({ username: erin.username, password: 'wrong password' })
      .expect(401);
    await request(kiln.baseUrl)
      .post('/auth/register')
      .send({ username: 'x', password: 'short' })
      .expect(400);
  });

  it('logout ends the session: its token stops working and its sockets are disconnected', async () => {
    const frank = await signUp(kiln.baseUrl, 'frank');
    const { socket } = await connectRealtime(kiln.baseUrl, { token: frank.token });
    const disconnected = new Promise<string>((resolve) =>
      socket.once('disconnect', (reason) => resolve(reason)),
    );
    await request(kiln.baseUrl)
      .post('/auth/logout')
      .set('Authorization', `Bearer ${frank.token}`)
      .expect(204);
    expect(await disconnected).toBe('io server disconnect');
    await request(kiln.baseUrl)
      .get('/tasks')
      .set('Authorization', `Bearer ${frank.token}`)
      .expect(401);
    await expect(connectRealtime(kiln.baseUrl, { token: frank.token })).rejects.toThrow(
      'unauthorized',
    );
  });
});
