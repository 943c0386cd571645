import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import request from 'supertest';
import { FIXTURES } from './support/fixtures';
import { REPO_ROOT, type RunningKiln, startKiln } from './support/kiln-app';

const CHROMIUM = process.env.KILN_TEST_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots of each stage, kept for a person to look at (git-ignored). */
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
const MESH = join(FIXTURES, 'mesh/gltf/VET.glb');
const IMAGE = join(FIXTURES, 'image/CesiumLogoFlat.png');
/** The 3D viewer's backdrop (web/src/model-viewer.tsx, VIEWER_BACKGROUND). */
const BACKDROP = [0x20, 0x23, 0x2a];

/** What the page's progress bars showed, recorded as it happened (see `recordProgress`). */
interface SeenProgress {
  label: string;
  value: number;
}

/** 4096² RGB noise, barely compressed: its steps run for seconds, long enough to cancel. */
const slowPng = () => {
  const size = 4096;
  return sharp(randomBytes(size * size * 3), { raw: { width: size, height: size, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
};

/**
 * Records every value every progress bar takes, whatever React renders in between: a script run
 * in the page before its own (a string: this file is compiled without the DOM's types).
 */
const RECORD_PROGRESS = `
  const seen = (window.seenProgress = []);
  const note = (element) => {
    if (element.getAttribute('role') !== 'progressbar') return;
    seen.push({ label: element.getAttribute('aria-label') ?? '', value: Number(element.getAttribute('aria-valuenow')) });
  };
  new MutationObserver((mutations) => {
    for (const mutation of mutations) {
      if (mutation.type === 'attributes') note(mutation.target);
      for (const node of mutation.addedNodes) {
        if (node instanceof Element) [node, ...node.querySelectorAll('[role=progressbar]')].forEach(note);
      }
    }
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow', 'aria-label'] });
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('The dashboard in a browser (Chromium, playwright-core)', () => {
  let kiln: RunningKiln;
  let browser: Browser | undefined;
  let page: Page;
  let port: number;
  const username = `web${Date.now().toString(36)}`;

  const shoot = (name: string) =>
    page.screenshot({ path: join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true });
  const card = (filename: string) =>
    page.locator(`[data-testid=asset-card][data-filename="${filename}"]`);

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is not installed at ${CHROMIUM} (apt-get install chromium, or set KILN_TEST_CHROMIUM): ` +
          'this test drives the dashboard in a real browser and never downloads one.',
      );
    }
    if (!existsSync(join(REPO_ROOT, 'web/dist/index.html'))) {
      throw new Error('web/dist/ is not built: run `npm run build` (npm test does it first).');
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    // A fixed port, so the page finds the server again at the same address after its restart.
    port = await freePort();
    kiln = await startKiln({ PORT: String(port), KILN_WORKER_CONCURRENCY: '2' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // WebGL without a GPU: SwiftShader, which Chromium only uses when told to.
      args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.addInitScript({ content: RECORD_PROGRESS });
  });

  afterAll(async () => {
    await browser?.close();
    await kiln?.stop();
  });

  it('creates an account and signs in', async () => {
    await page.goto(kiln.baseUrl);
    await page.getByRole('button', { name: 'No account yet? Create one' }).click();
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();

    await page.getByTestId('dropzone').waitFor();
    await page.locator('[data-testid=connection][data-status=online]').waitFor();
    // The list comes from its own request, after the socket may already be online: wait for it.
    await page.getByText('Nothing here yet').waitFor({ state: 'visible' });
    await shoot('1-signed-in');
  });

  it('uploads a mesh and an image: upload bar, then live task progress with its step, then thumbnails', async () => {
    // A slow link, so the upload's bar has time to move.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 400_000,
    });
    await page.getByTestId('file-input').setInputFiles([MESH, IMAGE]);
    await page.locator('[data-testid=upload-card]').first().waitFor();
    await shoot('2-uploading');
    await card('VET.glb').waitFor();
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });

    for (const filename of ['VET.glb', 'CesiumLogoFlat.png']) {
      await card(filename).and(page.locator('[data-state=succeeded]')).waitFor({ timeout: 45_000 });
      const thumbnail = card(filename).getByTestId('thumbnail');
      await thumbnail.waitFor();
      await expect(
        thumbnail.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
      ).resolves.toBeGreaterThan(0);
    }
    await shoot('3-done');

    const seen = await page.evaluate<SeenProgress[]>('window.seenProgress');
    const uploading = seen
      .filter((entry) => entry.label === 'Uploading')
      .map((entry) => entry.value);
    const running = seen.filter((entry) => entry.label.startsWith('Running: '));
    // The upload's bar moved through values between its ends…
    expect(uploading.some((value) => value > 0 && value < 100)).toBe(true);
    // …and the tasks' bars through their steps, with the step's name, never backwards per step.
    const labels = new Set(running.map((entry) => entry.label));
    expect(labels.has('Running: optimize') || labels.has('Running: convert')).toBe(true);
    expect(running.some((entry) => entry.value > 0 && entry.value < 100)).toBe(true);

    // The turntable plays while the pointer is over the model's card.
    await card('VET.glb').hover();
    await card('VET.glb').getByTestId('turntable').waitFor();
    await page.mouse.move(5, 5);
    await card('VET.glb').getByTestId('thumbnail').waitFor();
  });

  it("opens the model: the 3D viewer draws it, with its metadata and every output's download", async () => {
    await card('VET.glb').getByRole('link', { name: 'VET.glb', exact: true }).click();
    await page.locator('[data-testid=model-viewer][data-state=shown]').waitFor({ timeout: 90_000 });
    // The canvas's own pixels (a page screenshot waits on the compositor, slow under SwiftShader).
    const dataUrl = await page
      .locator('[data-testid=model-viewer] canvas')
      .evaluate((canvas) =>
        (canvas as unknown as { toDataURL(type: string): string }).toDataURL('image/png'),
      );
    const canvas = Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64');
    writeFileSync(join(ARTIFACTS, 'dashboard-4-viewer-canvas.png'), canvas);
    const { data, info } = await sharp(canvas)
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    let drawn = 0;
    for (let i = 0; i < data.length; i += 3) {
      const far = [0, 1, 2].some((c) => Math.abs(data[i + c] - BACKDROP[c]) > 12);
      if (far) drawn++;
    }
    const share = drawn / (info.width * info.height);
    // The model covers a good part of the view, and not all of it (the backdrop shows around).
    expect(share).toBeGreaterThan(0.05);
    expect(share).toBeLessThan(0.95);

    const downloads = page.getByTestId('downloads');
    for (const name of [
      'metadata.json',
      'model.glb',
      'model.web.glb',
      'thumbnail.png',
      'turntable.webp',
    ]) {
      await expect(downloads.getByRole('link', { name }).getAttribute('href')).resolves.toMatch(
        new RegExp(`/outputs/${name.replace('.', '\\.')}\\?exp=\\d+&sig=`),
      );
    }
    const metadata = page.getByTestId('metadata');
    expect(await metadata.locator('h3').allTextContents()).toEqual(
      expect.arrayContaining(['Summary', 'Textures', 'Bounds']),
    );
    expect(await metadata.locator('tr', { hasText: 'Triangles' }).first().textContent()).toBe(
      'Triangles7,968',
    );
    await shoot('5-asset-page');

    const modelHref = await downloads
      .getByRole('link', { name: 'model.web.glb' })
      .getAttribute('href');
    // The signed link works without a header, as the viewer's loader used it.
    const answer = await fetch(modelHref ?? '');
    expect(answer.status).toBe(200);
    expect((await answer.arrayBuffer()).byteLength).toBeGreaterThan(1000);
  }, 150_000); // WebGL on the CPU (SwiftShader) draws its first frame of 2048² textures slowly

  it('opens the image: the 2D viewer shows its maps at their pixel size', async () => {
    await page.getByRole('link', { name: '← All assets' }).click();
    await card('CesiumLogoFlat.png')
      .getByRole('link', { name: 'CesiumLogoFlat.png', exact: true })
      .click();
    const viewer = page.getByTestId('map-viewer');
    await viewer.waitFor();
    await expect(viewer.getByText(/\d+ × \d+ px/).textContent()).resolves.toMatch(/× \d+ px/);
    await shoot('6-image-page');
    await page.getByRole('link', { name: '← All assets' }).click();
  });

  it('cancels a running task from its card, which then offers a retry', async () => {
    // Sent with the dashboard's own session, so its events reach the page like a drop's would.
    const saved = await page.evaluate<string | null>("localStorage.getItem('kiln.session')");
    const token = (JSON.parse(saved ?? '{}') as { session: { accessToken: string } }).session
      .accessToken;
    await request(kiln.baseUrl)
      .post('/uploads')
      .set('Authorization', `Bearer ${token}`)
      .attach('files', await slowPng(), 'noise.png')
      .expect(201);

    const slow = card('noise.png');
    await slow.and(page.locator('[data-state=running]')).waitFor({ timeout: 30_000 });
    await slow.getByRole('button', { name: 'Cancel' }).click();
    await slow.and(page.locator('[data-state=cancelled]')).waitFor({ timeout: 10_000 });
    expect(await slow.getByTestId('task-state').textContent()).toBe('Cancelled');
    await slow.getByRole('button', { name: 'Retry' }).waitFor();
    await shoot('7-cancelled');
  });

  it('says it is offline while the server restarts, then comes back live on its own', async () => {
    const { keyPrefix, dataDir } = kiln;
    const exited = new Promise((resolve) => kiln.process.once('exit', resolve));
    kiln.process.kill('SIGTERM');
    await exited;
    await page
      .locator('[data-testid=connection][data-status=offline]')
      .waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('connection').textContent()).toMatch(/^Offline: reconnecting/);
    await shoot('8-offline');

    kiln = await startKiln({
      ...{ PORT: String(port), KILN_KEY_PREFIX: keyPrefix, KILN_DATA_DIR: dataDir },
      KILN_WORKER_CONCURRENCY: '2',
    });
    await page.locator('[data-testid=connection][data-status=online]').waitFor({ timeout: 20_000 });
    // The same session goes on: the board is all there, and live events flow again.
    expect(await page.locator('[data-testid=asset-card]').count()).toBe(3);
    const slow = card('noise.png');
    await slow.getByRole('button', { name: 'Retry' }).click();
    await slow.and(page.locator('[data-state=running]')).waitFor({ timeout: 30_000 });
    await slow.getByRole('button', { name: 'Cancel' }).click();
    await slow.and(page.locator('[data-state=cancelled]')).waitFor({ timeout: 10_000 });
    await shoot('9-back-online');
  });
});
