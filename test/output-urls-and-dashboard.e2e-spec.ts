import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import {
  type RunningKiln,
  REPO_ROOT,
  type TestUser,
  signUp,
  startKiln,
  waitFor,
} from './support/kiln-app';

interface OutputFile {
  name: string;
  contentType: string;
  bytes: number;
  url: string;
  signedUrl: string;
  signedUrlExpiresAt: string;
}

/** Signed output URLs (no Authorization header), a task's output files, and the dashboard at `/`. */
describe('Signed output URLs, GET /tasks/:id outputFiles, and the dashboard at /', () => {
  let kiln: RunningKiln;
  let alice: TestUser;
  let bob: TestUser;
  let webDir: string;
  let assetId: string;
  let taskId: string;
  let png: Buffer;
  const api = () => request(kiln.baseUrl);
  const authed = (user: TestUser) => ({ Authorization: `Bearer ${user.token}` });

  beforeAll(async () => {
    webDir = mkdtempSync(join(tmpdir(), 'kiln-web-'));
    mkdirSync(join(webDir, 'static'));
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>Kiln dashboard</title>');
    writeFileSync(join(webDir, 'static', 'app.js'), 'console.log("kiln");');
    kiln = await startKiln({ KILN_WEB_DIR: webDir, KILN_OUTPUT_URL_TTL: '3s' });
    [alice, bob] = await Promise.all([signUp(kiln.baseUrl, 'alice'), signUp(kiln.baseUrl, 'bob')]);
    png = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#a53' } })
      .png()
      .toBuffer();
    const { body } = await api()
      .post('/uploads')
      .set(authed(alice))
      .attach('files', png, 'red.png')
      .expect(201);
    ({ id: assetId, taskId } = (body.assets as Array<{ id: string; taskId: string }>)[0]);
    await waitFor('the task to succeed', async () => {
      const task = await api().get(`/tasks/${taskId}`).set(authed(alice)).expect(200);
      return task.body.state === 'succeeded' ? true : undefined;
    });
  }, 120_000);
  afterAll(async () => {
    await kiln?.stop();
    rmSync(webDir, { recursive: true, force: true });
  });

  it('lists a finished task’s outputs with their type, size and both URLs', async () => {
    const { body } = await api().get(`/tasks/${taskId}`).set(authed(alice)).expect(200);
    const files = body.outputFiles as OutputFile[];
    expect(files.map((file) => file.name)).toEqual([...(body.outputs as string[])].sort());
    expect(files.map((file) => file.name)).toEqual([
      'metadata.json',
      'preview.webp',
      'thumbnail.png',
    ]);
    const thumbnail = files.find((file) => file.name === 'thumbnail.png') as OutputFile;
    expect(thumbnail).toEqual({
      name: 'thumbnail.png',
      contentType: 'image/png',
      bytes: expect.any(Number),
      url: `/assets/${assetId}/outputs/thumbnail.png`,
      signedUrl: expect.stringMatching(
        new RegExp(`^/assets/${assetId}/outputs/thumbnail\\.png\\?exp=\\d+&sig=[\\w-]{43}$`),
      ),
      signedUrlExpiresAt: expect.any(String),
    });
    const ttl = Date.parse(thumbnail.signedUrlExpiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(3000);
    const list = await api().get('/tasks').set(authed(alice)).expect(200);
    expect((list.body as Array<{ outputFiles: OutputFile[] }>)[0].outputFiles).toHaveLength(3);
  });

  it('serves an output by its signed URL without an Authorization header, as the bearer form does', async () => {
    const { body } = await api().get(`/assets/${assetId}`).set(authed(alice)).expect(200);
    const thumbnail = (body.outputs as OutputFile[]).find((o) => o.name === 'thumbnail.png')!;
    const signed = await api().get(thumbnail.signedUrl).buffer(true).expect(200);
    const bearer = await api().get(thumbnail.url).set(authed(alice)).buffer(true).expect(200);
    expect(signed.headers['content-type']).toBe('image/png');
    expect(Buffer.compare(signed.body as Buffer, bearer.body as Buffer)).toBe(0);
    expect((await sharp(signed.body as Buffer).metadata()).format).toBe('png');
    // Ranges work on the signed form too.
    await api().get(thumbnail.signedUrl).set('Range', 'bytes=0-7').expect(206);
    // No header and no signature: as before.
    const bare = await api().get(thumbnail.url).expect(401);
    expect(bare.body.code).toBe('UNAUTHORIZED');
  });

  it('answers 404 for a tampered signature, as for a missing asset, and never another user’s file', async () => {
    const { body } = await api().get(`/assets/${assetId}`).set(authed(alice)).expect(200);
    const outputs = body.outputs as OutputFile[];
    const thumbnail = outputs.find((o) => o.name === 'thumbnail.png')!;
    const url = new URL(thumbnail.signedUrl, kiln.baseUrl);
    const sig = url.searchParams.get('sig')!;
    const exp = url.searchParams.get('exp')!;
    const missing = await api()
      .get(
        `/assets/00000000-0000-4000-8000-000000000000/outputs/thumbnail.png?exp=${exp}&sig=${sig}`,
      )
      .expect(404);
    const tampered = [
      `${url.pathname}?exp=${exp}&sig=${sig.slice(0, -2)}AA`,
      `${url.pathname}?exp=${Number(exp) + 3600}&sig=${sig}`,
      `/assets/${assetId}/outputs/metadata.json?exp=${exp}&sig=${sig}`,
      `${url.pathname}?exp=${exp}&sig=`,
    ];
    for (const path of tampered) {
      const answer = await api().get(path).expect(404);
      expect(answer.body).toEqual({ ...missing.body, message: expect.any(String) });
      expect(answer.body.code).toBe('ASSET_NOT_FOUND');
    }
    // Bob's bearer token does not open Alice's asset, signed or not.
    await api().get(thumbnail.url).set(authed(bob)).expect(404);
    await api().get(thumbnail.signedUrl).set(authed(bob)).expect(404);
  });

  it('answers 401 OUTPUT_URL_EXPIRED once the signed URL is past its KILN_OUTPUT_URL_TTL', async () => {
    const { body } = await api().get(`/assets/${assetId}`).set(authed(alice)).expect(200);
    const thumbnail = (body.outputs as OutputFile[]).find((o) => o.name === 'thumbnail.png')!;
    await api().get(thumbnail.signedUrl).expect(200);
    await new Promise((r) =>
      setTimeout(r, Date.parse(thumbnail.signedUrlExpiresAt) - Date.now() + 50),
    );
    const expired = await api().get(thumbnail.signedUrl).expect(401);
    expect(expired.body).toEqual({
      statusCode: 401,
      code: 'OUTPUT_URL_EXPIRED',
      message: expect.stringContaining('expired'),
    });
  });

  it('serves the dashboard at / with its files, and index.html for its own page paths', async () => {
    const root = await api().get('/').expect(200);
    expect(root.headers['content-type']).toMatch(/^text\/html/);
    expect(root.text).toContain('<title>Kiln dashboard</title>');
    const script = await api().get('/static/app.js').expect(200);
    expect(script.text).toBe('console.log("kiln");');
    const page = await api().get('/a/some-asset').set('Accept', 'text/html').expect(200);
    expect(page.text).toContain('<title>Kiln dashboard</title>');
    // A missing file is a 404, not the app.
    await api().get('/static/missing.js').expect(404);
  });

  it('never shadows the API, Swagger or the socket path', async () => {
    const assets = await api().get('/assets').set('Accept', 'text/html').expect(401);
    expect(assets.body.code).toBe('UNAUTHORIZED');
    await api().get('/assets/').set(authed(alice)).set('Accept', 'text/html').expect(200);
    const health = await api().get('/health').expect(200);
    expect(health.body.status).toBeDefined();
    const docs = await api().get('/docs-json').expect(200);
    expect(docs.body.openapi).toBe('3.0.0');
    const polling = await api().get('/socket.io/?EIO=4&transport=polling');
    expect(polling.text).not.toContain('Kiln dashboard');
    await api().post('/').expect(404);
  });

  it('serves the document openapi.json holds at /docs-json', async () => {
    const docs = await api().get('/docs-json').expect(200);
    expect(docs.body).toEqual(JSON.parse(readFileSync(join(REPO_ROOT, 'openapi.json'), 'utf8')));
  });
});

describe('The API without a built dashboard', () => {
  let kiln: RunningKiln;
  beforeAll(async () => {
    kiln = await startKiln({
      KILN_ROLE: 'api',
      KILN_WEB_DIR: join(tmpdir(), 'kiln-web-that-does-not-exist'),
    });
  }, 60_000);
  afterAll(() => kiln?.stop());

  it('answers / with a short note and everything else as before', async () => {
    const root = await api(kiln).get('/').expect(200);
    expect(root.headers['content-type']).toMatch(/^text\/plain/);
    expect(root.text).toBe(
      'Kiln API is running. No dashboard is built here (KILN_WEB_DIR); the API docs are at /docs.\n',
    );
    await api(kiln).get('/a/page').expect(404);
    await api(kiln).get('/health').expect(200);
  });
});

const api = (kiln: RunningKiln) => request(kiln.baseUrl);
