import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import {
  KilnApiError,
  KilnClient,
  KilnTaskError,
  type RealtimeEvent,
  type UploadProgress,
} from '../sdk/src/index';
import {
  REPO_ROOT,
  type RunningKiln,
  connectRealtime,
  startKiln,
  waitFor,
} from './support/kiln-app';

const PASSWORD = 'correct horse battery';
let userCounter = 0;
const username = (name: string) => `${name}${Date.now().toString(36)}${userCounter++}`;

const png = (width: number, background: string) =>
  sharp({ create: { width, height: width, channels: 3, background } })
    .png()
    .toBuffer();

/**
 * The SDK as a user runs it, against the built server: the sources through ts-jest here, and the
 * built ESM package in a plain Node process in the last test.
 */
describe('@kiln/client against a running Kiln', () => {
  let kiln: RunningKiln;
  let kilnClient: KilnClient;
  let name: string;
  let small: Buffer;

  beforeAll(async () => {
    [kiln, small] = await Promise.all([
      startKiln({ KILN_WORKER_CONCURRENCY: '1', KILN_BENCH_STEPS: '1' }),
      png(48, '#2a6'),
    ]);
    name = username('sdk');
    kilnClient = await KilnClient.register(kiln.baseUrl, { username: name, password: PASSWORD });
  }, 120_000);
  afterAll(async () => {
    kilnClient?.close();
    await kiln?.stop();
  });

  it('registers, signs in, and refuses a wrong password with INVALID_CREDENTIALS', async () => {
    expect(kilnClient.session.accessToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const again = await KilnClient.login(kiln.baseUrl, { username: name, password: PASSWORD });
    expect(again.session.sessionId).not.toBe(kilnClient.session.sessionId);
    await again.logout();
    await expect(again.tasks.list()).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    const wrong = KilnClient.login(kiln.baseUrl, { username: name, password: 'not it at all' });
    await expect(wrong).rejects.toBeInstanceOf(KilnApiError);
    await expect(wrong).rejects.toMatchObject({ status: 401, code: 'INVALID_CREDENTIALS' });
    const taken = KilnClient.register(kiln.baseUrl, { username: name, password: PASSWORD });
    await expect(taken).rejects.toMatchObject({ status: 409, code: 'USERNAME_TAKEN' });
  });

  it('uploads several files with byte progress, and done() resolves with the outputs', async () => {
    const second = await png(40, '#62a');
    const progress: UploadProgress[] = [];
    const result = await kilnClient.upload(
      [new File([small], 'green.png', { type: 'image/png' }), { name: 'violet.png', data: second }],
      { onProgress: (p) => progress.push(p) },
    );
    expect(result.assets.map((asset) => [asset.filename, asset.kind, asset.bytes])).toEqual([
      ['green.png', 'image', small.length],
      ['violet.png', 'image', second.length],
    ]);
    // Every byte counted once, in order, up to the whole multipart body.
    const { total } = progress[0];
    expect(total).toBeGreaterThan(small.length + second.length);
    expect(progress.every((p) => p.total === total)).toBe(true);
    expect(progress.map((p) => p.loaded)).toEqual(
      [...progress.map((p) => p.loaded)].sort((a, b) => a - b),
    );
    expect(progress.at(-1)?.loaded).toBe(total);

    const tasks = await Promise.all(result.assets.map((asset) => kilnClient.done(asset.taskId)));
    for (const task of tasks) {
      expect(task.state).toBe('succeeded');
      expect(task.progress).toBe(100);
      expect(task.outputFiles.map((file) => file.name)).toEqual([
        'metadata.json',
        'preview.webp',
        'thumbnail.png',
      ]);
    }
    // The signed URL needs no header: what an <img src> or a loader does.
    const thumbnail = tasks[0].outputFiles.find((file) => file.name === 'thumbnail.png')!;
    const answer = await fetch(kilnClient.url(thumbnail.signedUrl));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('image/png');
    const image = await sharp(Buffer.from(await answer.arrayBuffer())).metadata();
    expect([image.format, image.width, image.height]).toEqual(['png', 48, 48]);
    const url = await kilnClient.assets.outputUrl(result.assets[1].id, 'preview.webp');
    expect(url).toMatch(
      new RegExp(
        `^${kiln.baseUrl}/assets/${result.assets[1].id}/outputs/preview\\.webp\\?exp=\\d+&sig=`,
      ),
    );
    expect((await fetch(url)).status).toBe(200);
    await expect(
      kilnClient.assets.outputUrl(result.assets[1].id, 'model.glb'),
    ).rejects.toMatchObject({
      code: 'OUTPUT_NOT_FOUND',
    });
    expect((await kilnClient.assets.list()).map((asset) => asset.filename)).toEqual(
      expect.arrayContaining(['green.png', 'violet.png']),
    );
  });

  it('done() settles at once for a task that has already ended', async () => {
    const [task] = await kilnClient.tasks.list({ limit: 1 });
    expect(task.state).toBe('succeeded');
    await expect(kilnClient.done(task.id)).resolves.toMatchObject({
      id: task.id,
      state: 'succeeded',
    });
  });

  it('watch() yields one task’s events in order and ends after task.succeeded', async () => {
    const { assets } = await kilnClient.upload([{ name: 'watched.png', data: small }]);
    const events: RealtimeEvent[] = [];
    for await (const event of kilnClient.watch(assets[0].taskId)) events.push(event);
    expect(events.every((event) => event.payload.taskId === assets[0].taskId)).toBe(true);
    expect(events.at(-1)?.name).toBe('task.succeeded');
    const progress = events.flatMap((e) =>
      e.name === 'task.progress' ? [e.payload.progress] : [],
    );
    expect(progress.length).toBeGreaterThan(0);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const ids = events.map((event) => event.payload.eventId);
    expect(ids).toEqual([...new Set(ids)]);
  });

  it('done() rejects with the task’s error code when it fails', async () => {
    const { assets } = await kilnClient.upload([
      { name: 'half.png', data: small.subarray(0, small.length >> 1) },
    ]);
    const failure = await kilnClient.done(assets[0].taskId).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(KilnTaskError);
    expect(failure).toMatchObject({
      code: 'IMAGE_CORRUPT',
      task: { id: assets[0].taskId, state: 'failed', error: { code: 'IMAGE_CORRUPT' } },
    });
  });

  it('cancels a running task: done() rejects with TASK_CANCELLED, and retry runs it again', async () => {
    // The bench step ticks for 60 s: the cancel always lands while it runs, however loaded the
    // machine (a real image's steps may all end before the request arrives).
    const { assets } = await kilnClient.upload([{ name: 'base.png', data: small }]);
    await kilnClient.done(assets[0].taskId);
    const taskId = await kilnClient.tasks.run(assets[0].id, 'bench', { events: 60, ms: 60_000 });
    // A progress tick (one a second) says the step runs; `watch` yields only events from now on.
    const running = async () => {
      for await (const event of kilnClient.watch(taskId))
        if (event.name === 'task.progress') return;
    };
    await running();
    const cancelled = kilnClient.done(taskId).catch((error: unknown) => error);
    await kilnClient.tasks.cancel(taskId);
    expect(await cancelled).toMatchObject({
      name: 'KilnTaskError',
      code: 'TASK_CANCELLED',
      task: { state: 'cancelled', attempts: 1 },
    });
    await expect(kilnClient.tasks.cancel(taskId)).rejects.toMatchObject({
      status: 409,
      code: 'TASK_ALREADY_FINISHED',
    });
    await kilnClient.tasks.retry(taskId);
    await running();
    const cancelledAgain = kilnClient.done(taskId).catch((error: unknown) => error);
    await kilnClient.tasks.cancel(taskId);
    expect(await cancelledAgain).toMatchObject({
      code: 'TASK_CANCELLED',
      task: { state: 'cancelled', attempts: 2 },
    });
  }, 120_000);

  it('reconnects in the middle of a task and resumes: every event once, none missing', async () => {
    // A second socket of the same session that never drops: the events as the server sent them.
    const reference = await connectRealtime(kiln.baseUrl, {
      token: kilnClient.session.accessToken,
    });
    const received: RealtimeEvent[] = [];
    const statuses: string[] = [];
    const offEvents = kilnClient.on('task.progress', (payload) =>
      received.push({ name: 'task.progress', payload }),
    );
    const offDone = kilnClient.on('task.succeeded', (payload) =>
      received.push({ name: 'task.succeeded', payload }),
    );
    const offStatus = kilnClient.on('status', (status) => statuses.push(status));
    await waitFor('the client to be online', () => kilnClient.status === 'online' || undefined);
    statuses.length = 0;
    try {
      // The bench step ticks every 200 ms for 8 s: the second the client is away always has events.
      const { assets } = await kilnClient.upload([{ name: 'base-again.png', data: small }]);
      await kilnClient.done(assets[0].taskId);
      const taskId = await kilnClient.tasks.run(assets[0].id, 'bench', { events: 40, ms: 8_000 });
      await waitFor(
        'the first progress event',
        () => received.some((e) => e.payload.taskId === taskId) || undefined,
      );
      // Events the server sends while the client is away: those it must catch up on.
      const sentSoFar = () => reference.events.filter((e) => e.payload.taskId === taskId).length;
      let sentWhileAway = -1;
      const offGap = kilnClient.on('status', (status) => {
        if (status === 'offline') sentWhileAway = -sentSoFar();
        if (status === 'online') sentWhileAway += sentSoFar();
      });
      // The transport drops as a network would; the client comes back by itself a second later.
      kilnClient.socket.io.reconnectionDelay(1000).randomizationFactor(0);
      kilnClient.socket.io.engine.close();
      const task = await kilnClient.done(taskId);
      expect(task.state).toBe('succeeded');
      await waitFor(
        'the reference socket to see the end',
        () =>
          reference.events.some(
            (e) => e.name === 'task.succeeded' && e.payload.taskId === taskId,
          ) || undefined,
      );
      const ofTask = (
        events: Array<{ name: string; payload: { taskId?: unknown; eventId?: unknown } }>,
      ) =>
        events
          .filter(
            (e) =>
              e.payload.taskId === taskId &&
              (e.name === 'task.progress' || e.name === 'task.succeeded'),
          )
          .map((e) => `${e.name} ${String(e.payload.eventId)}`);
      expect(ofTask(received)).toEqual(ofTask(reference.events));
      expect(statuses).toEqual(['offline', 'online']);
      offGap();
      expect(sentWhileAway).toBeGreaterThan(0);
    } finally {
      offEvents();
      offDone();
      offStatus();
      reference.socket.disconnect();
    }
  }, 120_000);

  it('reports unauthorized, and stops, when the session is logged out elsewhere', async () => {
    const signedIn = await KilnClient.login(kiln.baseUrl, { username: name, password: PASSWORD });
    const sameSession = KilnClient.resume(kiln.baseUrl, signedIn.session);
    const statuses: string[] = [];
    sameSession.on('status', (status) => statuses.push(status));
    await waitFor('the second client online', () => sameSession.status === 'online' || undefined);
    await signedIn.logout();
    await waitFor('unauthorized', () => sameSession.status === 'unauthorized' || undefined);
    await new Promise((r) => setTimeout(r, 1500));
    expect(statuses).toEqual(['online', 'offline', 'unauthorized']);
    await expect(sameSession.tasks.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    sameSession.close();
  });

  it('works from the built ESM package in a plain Node process', () => {
    const script = `
      import { KilnClient, REALTIME_EVENT_NAMES } from '@kiln/client';
      const kiln = await KilnClient.login(process.env.KILN_URL, { username: process.env.KILN_USER, password: process.env.KILN_PASSWORD });
      const { assets } = await kiln.upload([new File([Buffer.from(process.env.PNG, 'base64')], 'esm.png')]);
      const task = await kiln.done(assets[0].taskId);
      kiln.close();
      console.log(JSON.stringify({ events: REALTIME_EVENT_NAMES.length, state: task.state, outputs: task.outputFiles.length }));
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH,
        KILN_URL: kiln.baseUrl,
        KILN_USER: name,
        KILN_PASSWORD: PASSWORD,
        PNG: small.toString('base64'),
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ events: 6, state: 'succeeded', outputs: 3 });
  });
});
