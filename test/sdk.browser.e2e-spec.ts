import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import sharp from 'sharp';
import { REPO_ROOT, type RunningKiln, signUp, startKiln } from './support/kiln-app';

const CHROMIUM = process.env.KILN_TEST_CHROMIUM ?? '/usr/bin/chromium';

/**
 * A page served by Kiln itself (KILN_WEB_DIR) imports the built SDK as the ES module it ships
 * (socket.io-client through an import map), as a web app would without a bundler.
 */
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>SDK in a browser</title>
<script type="importmap">{ "imports": { "socket.io-client": "/vendor/socket.io.esm.min.js" } }</script>
<img id="thumbnail" alt="">
<script type="module">
import * as sdk from '/kiln/sdk/src/index.js';
window.kilnSdk = sdk;
</script>
`;

/** What the page reports back. */
interface Outcome {
  progress: Array<{ loaded: number; total: number }>;
  kinds: string[];
  state: string;
  outputs: string[];
  statuses: string[];
  progressEvents: number;
  thumbnail: { width: number; height: number };
  cancelled: { name: string; code: string };
}

/** The SDK in Chromium: XHR upload progress, live events, done(), a signed URL in <img src>. */
describe('@kiln/client in a browser (Chromium)', () => {
  let kiln: RunningKiln;
  let webDir: string;
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is not installed at ${CHROMIUM} (apt-get install chromium).`);
    }
    webDir = mkdtempSync(join(tmpdir(), 'kiln-sdk-web-'));
    writeFileSync(join(webDir, 'index.html'), PAGE);
    cpSync(join(REPO_ROOT, 'sdk/dist'), join(webDir, 'kiln'), { recursive: true });
    mkdirSync(join(webDir, 'vendor'));
    // Its CommonJS entry is build/cjs/index.js; the browser bundles sit in dist/ beside build/.
    const socketIo = join(dirname(require.resolve('socket.io-client')), '..', '..');
    cpSync(
      join(socketIo, 'dist/socket.io.esm.min.js'),
      join(webDir, 'vendor/socket.io.esm.min.js'),
    );
    kiln = await startKiln({ KILN_WEB_DIR: webDir, KILN_WORKER_CONCURRENCY: '1' });
    browser = await chromium.launch({ executablePath: CHROMIUM });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await kiln?.stop();
    rmSync(webDir, { recursive: true, force: true });
  });

  it('uploads with XHR byte progress, follows the task live and shows its thumbnail by signed URL', async () => {
    const user = await signUp(kiln.baseUrl, 'browser');
    // ~1.5 MB of noise: enough bytes for several upload progress events.
    const noise = await sharp(randomBytes(720 * 720 * 3), {
      raw: { width: 720, height: 720, channels: 3 },
    })
      .png({ compressionLevel: 0 })
      .toBuffer();
    const slow = await sharp(randomBytes(2048 * 2048 * 3), {
      raw: { width: 2048, height: 2048, channels: 3 },
    })
      .png({ compressionLevel: 1 })
      .toBuffer();
    const page = await (browser as Browser).newPage();
    await page.goto(`${kiln.baseUrl}/`);
    await page.waitForFunction(() => 'kilnSdk' in globalThis);
    const outcome = await page.evaluate(
      async ({ username, noiseBase64, slowBase64 }) => {
        // The page's globals, typed here: the tests compile without the DOM library.
        const page = globalThis as unknown as {
          location: { origin: string };
          document: { getElementById(id: string): ImageElement };
        };
        interface ImageElement {
          src: string;
          naturalWidth: number;
          naturalHeight: number;
          decode(): Promise<void>;
        }
        const sdk = (globalThis as unknown as { kilnSdk: typeof import('../sdk/src/index') })
          .kilnSdk;
        const bytes = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const kiln = await sdk.KilnClient.login(page.location.origin, {
          username,
          password: 'correct horse battery',
        });
        const statuses: string[] = [];
        kiln.on('status', (status) => statuses.push(status));
        let progressEvents = 0;
        kiln.on('task.progress', () => (progressEvents += 1));
        const progress: Array<{ loaded: number; total: number }> = [];
        const file = new File([bytes(noiseBase64)], 'noise.png', { type: 'image/png' });
        const { assets } = await kiln.upload([file], { onProgress: (p) => progress.push(p) });
        const task = await kiln.done(assets[0].taskId);
        const thumbnail = task.outputFiles.find((output) => output.name === 'thumbnail.png');
        const img = page.document.getElementById('thumbnail');
        img.src = kiln.url(thumbnail?.signedUrl ?? '');
        await img.decode();

        const slow = await kiln.upload([new File([bytes(slowBase64)], 'slow.png')]);
        const slowTask = slow.assets[0].taskId;
        // Cancelled at once, queued or just started: waiting for task.started first raced the
        // task's end on a fast run (the server-side cancel specs cover a running one).
        const ending = kiln.done(slowTask).catch((error: { name: string; code: string }) => error);
        await kiln.tasks.cancel(slowTask);
        const cancelled = (await ending) as { name: string; code: string };
        kiln.close();
        return {
          progress,
          kinds: assets.map((asset) => asset.kind),
          state: task.state,
          outputs: task.outputFiles.map((output) => output.name),
          statuses,
          progressEvents,
          thumbnail: { width: img.naturalWidth, height: img.naturalHeight },
          cancelled: { name: cancelled.name, code: cancelled.code },
        } satisfies Outcome;
      },
      {
        username: user.username,
        noiseBase64: noise.toString('base64'),
        slowBase64: slow.toString('base64'),
      },
    );
    await page.screenshot({ path: join(tmpdir(), 'kiln-sdk-browser.png') });

    expect(outcome.kinds).toEqual(['image']);
    expect(outcome.state).toBe('succeeded');
    expect(outcome.outputs).toEqual(['metadata.json', 'preview.webp', 'thumbnail.png']);
    expect(outcome.thumbnail).toEqual({ width: 512, height: 512 });
    expect(outcome.statuses[0]).toBe('online');
    expect(outcome.progressEvents).toBeGreaterThan(0);
    expect(outcome.cancelled).toEqual({ name: 'KilnTaskError', code: 'TASK_CANCELLED' });
    // XHR's own upload events: the multipart body, counted up to its end.
    const last = outcome.progress.at(-1);
    expect(last?.loaded).toBe(last?.total);
    expect(last?.total).toBeGreaterThan(noise.length);
    const loaded = outcome.progress.map((p) => p.loaded);
    expect(loaded).toEqual([...loaded].sort((a, b) => a - b));
  }, 120_000);
});
