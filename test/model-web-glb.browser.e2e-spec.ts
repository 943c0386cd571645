import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { optimizeMesh } from '../src/processing/mesh/mesh.optimize';
import { animatedMorphCubeGlb, GLTF_FIXTURES, wavingQuadSkinGlb } from './support/web-glb-inputs';

/**
 * `model.web.glb` is what web apps load: this loads it, and the `model.glb` it was made from, in
 * a real browser with three.js' GLTFLoader (MeshoptDecoder and DRACOLoader attached, as a web app
 * would), and compares what three sees in each. The browser is the system's Chromium: nothing
 * here downloads one, and without it the test fails (CI installs it), never skips.
 */
const CHROMIUM = process.env.KILN_TEST_CHROMIUM ?? '/usr/bin/chromium';
const THREE_ROOT = resolve(dirname(require.resolve('three')), '..'); // three/build/three.cjs

/** What three sees in a loaded GLB. */
interface Seen {
  triangles: number;
  meshes: number;
  skinnedMeshes: number;
  morphTargets: number;
  animations: string[];
  /** Each distinct texture, by decoded size (a texture the browser could not decode is 0×0). */
  textures: string[];
}

const PAGE = `<!doctype html>
<meta charset="utf-8">
<script type="importmap">
{ "imports": { "three": "/three/build/three.module.js", "three/addons/": "/three/examples/jsm/" } }
</script>
<script type="module">
import { GLTFLoader } from 'three/addons/loaders/GLTFLoader.js';
import { DRACOLoader } from 'three/addons/loaders/DRACOLoader.js';
import { MeshoptDecoder } from 'three/addons/libs/meshopt_decoder.module.js';

const loader = new GLTFLoader()
  .setDRACOLoader(new DRACOLoader().setDecoderPath('/three/examples/jsm/libs/draco/'))
  .setMeshoptDecoder(MeshoptDecoder);

window.seeModel = async (url) => {
  const gltf = await loader.loadAsync(url);
  const seen = { triangles: 0, meshes: 0, skinnedMeshes: 0, morphTargets: 0, textures: new Map() };
  gltf.scene.traverse((object) => {
    if (!object.isMesh) return;
    const geometry = object.geometry;
    seen.triangles += (geometry.index ?? geometry.attributes.position).count / 3;
    seen.meshes += 1;
    if (object.isSkinnedMesh && object.skeleton.bones.length > 0) seen.skinnedMeshes += 1;
    seen.morphTargets += geometry.morphAttributes.position?.length ?? 0;
    for (const material of [object.material].flat())
      for (const value of Object.values(material))
        if (value?.isTexture) {
          const image = value.image;
          seen.textures.set(value.uuid, (image?.width ?? 0) + 'x' + (image?.height ?? 0));
        }
  });
  return {
    ...seen,
    animations: gltf.animations.map((clip) => clip.name),
    textures: [...seen.textures.values()].sort(),
  };
};
window.ready = true;
</script>`;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.glb': 'model/gltf-binary',
};

/** Serves the page, three's files and the models; nothing outside those two folders. */
function serve(modelsDir: string): Promise<Server> {
  const roots: Record<string, string> = { three: THREE_ROOT, models: modelsDir };
  const server = createServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      const [, top, ...rest] = path.split('/');
      if (path === '/') {
        res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
        return;
      }
      const root = roots[top];
      const file = root && resolve(root, rest.join('/'));
      if (!file || !file.startsWith(root + sep) || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
      res.writeHead(200, { 'content-type': type }).end(await readFile(file));
    })();
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)));
}

/** The models compared: a fixture (or bytes made from one), and the options optimize runs with. */
const MODELS: { name: string; model: () => Promise<Uint8Array>; options?: object }[] = [
  { name: 'Box', model: () => readFile(join(GLTF_FIXTURES, 'Box.glb')) }, // Draco in, Draco out
  { name: 'BoxTextured', model: () => readFile(join(GLTF_FIXTURES, 'BoxTextured.glb')) },
  { name: 'VET', model: () => readFile(join(GLTF_FIXTURES, 'VET.glb')) },
  {
    name: 'book-draco',
    model: () => readFile(join(GLTF_FIXTURES, 'book f.glb')),
    options: { draco: true },
  },
  { name: 'quad_skin-wave', model: wavingQuadSkinGlb },
  { name: 'AnimatedMorphCube', model: animatedMorphCubeGlb },
];

describe('model.web.glb in a browser (three.js GLTFLoader, Chromium)', () => {
  let folder: string;
  let server: Server | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const compression = new Map<string, unknown>();

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is not installed at ${CHROMIUM} (apt-get install chromium, or set KILN_TEST_CHROMIUM): ` +
          'this test loads model.web.glb in a real browser and never downloads one.',
      );
    }
    folder = await mkdtemp(join(tmpdir(), 'kiln-web-glb-'));
    const models = join(folder, 'models');
    await mkdir(models);
    for (const { name, model, options } of MODELS) {
      const workDir = join(folder, name);
      await mkdir(workDir);
      const input = join(models, `${name}.glb`);
      await writeFile(input, await model());
      const request = {
        ...{ kind: 'mesh' as const, step: 'optimize' as const, inputDir: folder },
        ...{ primary: `${name}.glb`, outputsDir: folder, workDir },
        options: { ...options },
      };
      const ctx = { signal: new AbortController().signal, progress: () => undefined };
      const result = await optimizeMesh(request, ctx, input);
      compression.set(name, (result.metadata?.optimize as { compression: string }).compression);
      await writeFile(join(models, `${name}.web.glb`), await readFile(result.outputs[0].path));
    }
    server = await serve(models);
    browser = await chromium.launch({ executablePath: CHROMIUM });
    page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => (globalThis as unknown as { ready?: boolean }).ready === true);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((done) => (server ? server.close(done) : done(undefined)));
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  const see = (url: string): Promise<Seen> =>
    page.evaluate(
      (modelUrl) =>
        (globalThis as unknown as { seeModel(url: string): Promise<Seen> }).seeModel(modelUrl),
      url,
    );

  it.each([
    // name, compression chosen, what three sees in model.glb and in model.web.glb alike
    ['Box', 'draco', { triangles: 12, meshes: 1, textures: [], animations: [] }],
    ['BoxTextured', 'meshopt', { triangles: 12, textures: ['256x256'], animations: [] }],
    ['VET', 'meshopt', { triangles: 7968, textures: ['2048x2048', '2048x2048'] }],
    ['book-draco', 'draco', { triangles: 5754, meshes: 10, textures: [], animations: [] }],
    ['quad_skin-wave', 'draco', { triangles: 2, skinnedMeshes: 1, animations: ['Wave'] }],
    ['AnimatedMorphCube', 'meshopt', { triangles: 12, morphTargets: 2, animations: ['Square'] }],
  ])('%s: model.web.glb (%s) shows what model.glb shows', async (name, chosen, expected) => {
    const before = await see(`/models/${name}.glb`);
    const after = await see(`/models/${name}.web.glb`);

    expect(compression.get(name)).toBe(chosen);
    expect(before).toMatchObject(expected);
    expect(after).toEqual(before);
  });
});
