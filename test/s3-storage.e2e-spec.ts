import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import request from 'supertest';
import { s3Client } from '../src/storage/s3-storage';
import {
  FIXTURES,
  type RunningKiln,
  type TestUser,
  connectRealtime,
  signUp,
  startKiln,
  waitFor,
} from './support/kiln-app';
import { startTestS3, type TestS3 } from './support/s3-server';

const PNG = join(FIXTURES, 'image/CesiumLogoFlat.png'); // 211×211 RGB, 22051 bytes
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * Two machines that share nothing but Redis and a bucket: an API and a worker, each with its
 * own KILN_DATA_DIR, KILN_STORAGE=s3 against a real S3-protocol server (s3rver).
 */
describe('KILN_STORAGE=s3: an api and a worker on separate data dirs', () => {
  let s3: TestS3;
  let client: S3Client;
  let api: RunningKiln;
  let worker: RunningKiln;
  let redirecting: RunningKiln;
  let alice: TestUser;
  let shared: Record<string, string>;

  beforeAll(async () => {
    s3 = await startTestS3();
    client = s3Client(s3.settings);
    // Nothing shared but Redis and the bucket: not the data dir's generated jwt-secret either.
    shared = { ...s3.env, JWT_SECRET: randomBytes(24).toString('hex'), KILN_BENCH_STEPS: '1' };
    api = await startKiln({ ...shared, KILN_ROLE: 'api' });
    worker = await startKiln({
      ...shared,
      KILN_ROLE: 'worker',
      KILN_KEY_PREFIX: api.keyPrefix,
      KILN_WORKER_CONCURRENCY: '1',
    });
    redirecting = await startKiln({
      ...shared,
      KILN_ROLE: 'api',
      KILN_KEY_PREFIX: api.keyPrefix,
      KILN_S3_REDIRECT: '1',
    });
    alice = await signUp(api.baseUrl, 'alice');
  });
  afterAll(async () => {
    // The worker and the second API share the first API's keys: it cleans them up last.
    await worker?.stop();
    await redirecting?.stop();
    await api?.stop();
    client?.destroy();
    await s3?.stop();
  });

  const authed = () => ({ Authorization: `Bearer ${alice.token}` });
  const keys = async () =>
    ((await client.send(new ListObjectsV2Command({ Bucket: s3.settings.bucket }))).Contents ?? [])
      .map((object) => object.Key as string)
      .sort();
  /** Every blob file in a data dir: with s3 storage there are none. */
  const localBlobs = (dataDir: string) => {
    const dir = join(dataDir, 'blobs', 'sha256');
    return existsSync(dir)
      ? readdirSync(dir, { recursive: true }).filter((p) => /[0-9a-f]{64}$/.test(String(p)))
      : [];
  };

  async function settled(taskId: string): Promise<Record<string, unknown>> {
    return waitFor(`task ${taskId} to settle`, async () => {
      const { body } = await request(api.baseUrl).get(`/tasks/${taskId}`).set(authed()).expect(200);
      return ['succeeded', 'failed', 'cancelled'].includes(body.state as string)
        ? (body as Record<string, unknown>)
        : undefined;
    });
  }

  it('leaves no object in the bucket when an upload is cut off mid-body', async () => {
    const { hostname, port } = new URL(api.baseUrl);
    const boundary = 'kiln-cut-upload';
    const cut = httpRequest({
      host: hostname,
      port: Number(port),
      method: 'POST',
      path: '/uploads',
      headers: {
        Authorization: `Bearer ${alice.token}`,
        'Content-Type': `multipart/form-data; boundary=${boundary}`,
        'Content-Length': String(50 * 1024 * 1024),
      },
    });
    cut.on('error', () => undefined);
    cut.write(
      `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="cut.png"\r\n` +
        'Content-Type: image/png\r\n\r\n',
    );
    cut.write(randomBytes(5 * 1024 * 1024));
    const temps = join(api.dataDir, 'tmp');
    const uploading = () =>
      readdirSync(temps, { recursive: true }).filter((p) => String(p).endsWith('.upload'));
    await waitFor('the partial upload on disk', () => uploading().length === 1);
    cut.destroy();

    await waitFor('the partial upload removed', () => uploading().length === 0, 10_000);
    expect(await keys()).toEqual([]);
  });

  it('uploads to the bucket, processes on the worker, streams events, and downloads from the bucket', async () => {
    const png = readFileSync(PNG);
    const { socket, events } = await connectRealtime(api.baseUrl, { token: alice.token });
    try {
      const upload = await request(api.baseUrl)
        .post('/uploads')
        .set(authed())
        .attach('files', PNG)
        .expect(201);
      const [asset] = upload.body.assets as Array<{ id: string; taskId: string; sha256: string }>;
      expect(asset.sha256).toBe(sha256(png));

      await waitFor('task.succeeded', () => events.some((e) => e.name === 'task.succeeded'));
      const names = events.map((e) => e.name);
      expect(names[0]).toBe('task.queued');
      expect(names[1]).toBe('task.started');
      expect(names[names.length - 1]).toBe('task.succeeded');

      const { body: record } = await request(api.baseUrl)
        .get(`/assets/${asset.id}`)
        .set(authed())
        .expect(200);
      const outputs = record.outputs as Array<{ name: string; bytes: number }>;
      expect(outputs.map((o) => o.name)).toEqual([
        'metadata.json',
        'preview.webp',
        'thumbnail.png',
      ]);
      // Each download's ETag is its SHA-256: the key of its object.
      const hashes: Record<string, string> = {};
      for (const { name } of outputs) {
        const { headers } = await request(api.baseUrl)
          .head(`/assets/${asset.id}/outputs/${name}`)
          .set(authed())
          .expect(200);
        hashes[name] = headers.etag.slice(1, -1);
      }
      // Every blob is in the bucket, none in either data dir; the worker's cache holds the input
      // it fetched and the outputs it stored.
      expect(await keys()).toEqual(
        [asset.sha256, ...Object.values(hashes)]
          .map((hash) => `blobs/sha256/${hash.slice(0, 2)}/${hash}`)
          .sort(),
      );
      expect(localBlobs(api.dataDir)).toEqual([]);
      expect(localBlobs(worker.dataDir)).toEqual([]);
      expect(readdirSync(join(worker.dataDir, 'cache')).sort()).toEqual(
        [asset.sha256, ...Object.values(hashes)].sort(),
      );
      expect(readdirSync(join(api.dataDir, 'cache'))).toEqual([]);

      const thumbnail = {
        sha256: hashes['thumbnail.png'],
        bytes: outputs.find((o) => o.name === 'thumbnail.png')!.bytes,
      };
      const url = `/assets/${asset.id}/outputs/thumbnail.png`;
      const whole = await request(api.baseUrl).get(url).set(authed()).buffer(true).expect(200);
      expect(whole.headers).toMatchObject({
        'content-type': 'image/png',
        etag: `"${thumbnail.sha256}"`,
        'accept-ranges': 'bytes',
        'content-length': String(thumbnail.bytes),
      });
      expect(sha256(whole.body as Buffer)).toBe(thumbnail.sha256);

      await request(api.baseUrl)
        .get(url)
        .set(authed())
        .set('If-None-Match', `"${thumbnail.sha256}"`)
        .expect(304);
      const range = await request(api.baseUrl)
        .get(url)
        .set(authed())
        .set('Range', 'bytes=0-7')
        .buffer(true)
        .expect(206);
      expect(range.headers['content-range']).toBe(`bytes 0-7/${thumbnail.bytes}`);
      expect(range.body).toEqual((whole.body as Buffer).subarray(0, 8));
      const past = await request(api.baseUrl)
        .get(url)
        .set(authed())
        .set('Range', `bytes=${thumbnail.bytes}-`)
        .expect(416);
      expect(past.headers['content-range']).toBe(`bytes */${thumbnail.bytes}`);
      expect(past.body.code).toBe('RANGE_NOT_SATISFIABLE');

      // KILN_S3_REDIRECT=1: a 302 to a presigned URL of the bucket, which gives the same bytes.
      const redirect = await request(redirecting.baseUrl).get(url).set(authed()).expect(302);
      const presigned = redirect.headers.location;
      expect(
        presigned.startsWith(`${s3.settings.endpoint}/${s3.settings.bucket}/blobs/sha256/`),
      ).toBe(true);
      expect(presigned).toContain('X-Amz-Signature=');
      const fromBucket = Buffer.from(await (await fetch(presigned)).arrayBuffer());
      expect(fromBucket.equals(whole.body as Buffer)).toBe(true);

      // A re-run on the worker reads the input from its cache and the bucket again.
      const rerun = await request(api.baseUrl)
        .post(`/assets/${asset.id}/tasks`)
        .set(authed())
        .send({ type: 'render', options: { size: 64 } })
        .expect(201);
      expect(await settled(rerun.body.taskId as string)).toMatchObject({
        state: 'succeeded',
        outputs: ['thumbnail.png'],
      });
      const small = await request(api.baseUrl).get(url).set(authed()).buffer(true).expect(200);
      expect(small.headers.etag).not.toBe(`"${thumbnail.sha256}"`);
      expect((await keys()).length).toBe(5);
    } finally {
      socket.disconnect();
    }
  });

  it('cancels a running and a queued task across the machines, and retries one from the bucket', async () => {
    const post = (path: string) => request(api.baseUrl).post(path).set(authed());
    const state = async (taskId: string) =>
      (await request(api.baseUrl).get(`/tasks/${taskId}`).set(authed()).expect(200)).body
        .state as string;
    const first = await request(api.baseUrl)
      .post('/uploads')
      .set(authed())
      .attach('files', readFileSync(PNG), 'first.png')
      .expect(201);
    const assetId = (first.body.assets as Array<{ id: string; taskId: string }>)[0].id;
    await settled((first.body.assets as Array<{ taskId: string }>)[0].taskId);
    // The worker runs one task at a time: a 60 s bench task holds it, so the next one waits.
    const bench = (
      await post(`/assets/${assetId}/tasks`)
        .send({ type: 'bench', options: { events: 60, ms: 60_000 } })
        .expect(201)
    ).body.taskId as string;
    await waitFor('the bench task running', async () => (await state(bench)) === 'running');
    const queued = (
      await post(`/assets/${assetId}/tasks`)
        .send({ type: 'render', options: { size: 32 } })
        .expect(201)
    ).body.taskId as string;

    await post(`/tasks/${queued}/cancel`).expect(202);
    await post(`/tasks/${bench}/cancel`).expect(202);
    expect(await settled(queued)).toMatchObject({ state: 'cancelled' });
    expect(await settled(bench)).toMatchObject({ state: 'cancelled' });

    await post(`/tasks/${queued}/retry`).expect(202);
    await waitFor('the retried task to end', async () =>
      (await state(queued)) === 'succeeded' ? true : undefined,
    );
    const thumbnail = await request(api.baseUrl)
      .get(`/assets/${assetId}/outputs/thumbnail.png`)
      .set(authed())
      .buffer(true)
      .expect(200);
    expect(thumbnail.headers['content-length']).toBe(String((thumbnail.body as Buffer).length));
    expect(thumbnail.headers.etag).toBe(`"${sha256(thumbnail.body as Buffer)}"`);
  });

  it('refuses to start, in one line, against a bucket that does not exist', async () => {
    const failed = await startKiln({
      ...s3.env,
      S3_BUCKET: 'no-such-bucket',
      KILN_ROLE: 'api',
    }).then(
      () => 'started',
      (error: Error) => error.message,
    );
    expect(failed).toContain(
      `Kiln cannot start: the bucket no-such-bucket at ${s3.settings.endpoint} cannot be used: no such bucket`,
    );
  });
});
