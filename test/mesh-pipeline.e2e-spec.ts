import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { validateBytes } from 'gltf-validator';
import sharp from 'sharp';
import request from 'supertest';
import { meshIO } from '../src/processing/mesh/mesh-io';
import {
  FIXTURES,
  type RunningKiln,
  type TestUser,
  connectRealtime,
  signUp,
  startKiln,
} from './support/kiln-app';
import { stepOutputs, succeeded } from './support/task-events';
import { asUser } from './support/task-http';

const SPIDER = join(FIXTURES, 'mesh/obj/spider'); // spider.obj + spider.mtl + 5 JPEGs: 1368 triangles
const BOX_TEXTURED = join(FIXTURES, 'mesh/gltf/BoxTextured.glb'); // 12 triangles, 1 texture
const MESH_OUTPUTS = [
  'metadata.json',
  'model.glb',
  'model.web.glb',
  'thumbnail.png',
  'turntable.webp',
];

describe('3D models: upload, process on workers, download the five outputs', () => {
  let kiln: RunningKiln;
  let alice: TestUser;

  beforeAll(async () => {
    kiln = await startKiln({ KILN_PROGRESS_HZ: '50' });
    alice = await signUp(kiln.baseUrl, 'modeller');
  });
  afterAll(async () => kiln?.stop());

  const api = () => request(kiln.baseUrl);
  const authed = (user: TestUser) => ({ Authorization: `Bearer ${user.token}` });

  const alices = () => asUser(kiln.baseUrl, alice.token);
  const settled = (taskId: string) => alices().settled(taskId, 50_000);
  const download = (assetId: string, name: string) => alices().download(assetId, name);

  async function triangleCount(glb: Buffer): Promise<number> {
    const document = await (await meshIO()).readBinary(new Uint8Array(glb));
    let triangles = 0;
    for (const mesh of document.getRoot().listMeshes())
      for (const primitive of mesh.listPrimitives()) {
        const indices = primitive.getIndices();
        const position = primitive.getAttribute('POSITION');
        triangles += (indices?.getCount() ?? position?.getCount() ?? 0) / 3;
      }
    return triangles;
  }

  async function expectFiveOutputs(assetId: string, triangles: number): Promise<void> {
    const metadata = JSON.parse((await download(assetId, 'metadata.json')).toString()) as Record<
      string,
      unknown
    >;
    expect(metadata).toMatchObject({ triangles });

    const model = await download(assetId, 'model.glb');
    expect(model.subarray(0, 4).toString('latin1')).toBe('glTF');
    const report = await validateBytes(new Uint8Array(model));
    expect(report.issues.numErrors).toBe(0);
    expect(await triangleCount(model)).toBe(triangles);

    const web = await download(assetId, 'model.web.glb');
    expect(web.length).toBeLessThanOrEqual(model.length);
    expect((await validateBytes(new Uint8Array(web))).issues.numErrors).toBe(0);
    expect(await triangleCount(web)).toBe(triangles);

    const thumbnail = await sharp(await download(assetId, 'thumbnail.png')).metadata();
    expect(thumbnail).toMatchObject({ format: 'png', width: 512, height: 512 });
    const turntable = await sharp(await download(assetId, 'turntable.webp'), {
      pages: -1,
    }).metadata();
    expect(turntable).toMatchObject({ format: 'webp', width: 256, pages: 24, pageHeight: 256 });
  }

  it('makes one mesh asset of an OBJ sent with its MTL and textures as separate files, and streams it to succeeded', async () => {
    const { socket, events } = await connectRealtime(kiln.baseUrl, { token: alice.token });
    try {
      const upload = api().post('/uploads').set(authed(alice));
      for (const file of (await readdir(SPIDER)).sort()) upload.attach('files', join(SPIDER, file));
      const { body } = await upload.expect(201);
      expect(body.assets).toHaveLength(1);
      const [asset] = body.assets as Array<{ id: string; taskId: string; kind: string }>;
      expect(asset.kind).toBe('mesh');

      const done = await succeeded(events, asset.taskId, 50_000);
      expect(done.payload.outputs).toEqual(MESH_OUTPUTS);
      // Each step reported as it ended, in the pipeline's order.
      expect(stepOutputs(events, asset.taskId)).toEqual([
        ['inspect', ['metadata.json']],
        ['convert', ['model.glb']],
        ['optimize', ['model.web.glb']],
        ['render', ['thumbnail.png', 'turntable.webp']],
      ]);

      const { body: view } = await api().get(`/assets/${asset.id}`).set(authed(alice)).expect(200);
      expect(view.primary).toBe('spider.obj');
      expect((view.files as Array<{ path: string }>).map((f) => f.path).sort()).toEqual(
        (await readdir(SPIDER)).sort(),
      );
      await expectFiveOutputs(asset.id, 1368);
    } finally {
      socket.disconnect();
    }
  });

  it('processes a GLB sent alone into the same five outputs', async () => {
    const { body } = await api()
      .post('/uploads')
      .set(authed(alice))
      .attach('files', BOX_TEXTURED)
      .expect(201);
    const [asset] = body.assets as Array<{ id: string; taskId: string; kind: string }>;
    expect(asset.kind).toBe('mesh');
    expect(await settled(asset.taskId)).toMatchObject({
      state: 'succeeded',
      outputs: MESH_OUTPUTS,
    });
    await expectFiveOutputs(asset.id, 12);

    // One step alone, with options: a 256 px thumbnail from another angle.
    const { body: started } = await api()
      .post(`/assets/${asset.id}/tasks`)
      .set(authed(alice))
      .send({ type: 'render', options: { size: 256, yaw: 135 } })
      .expect(201);
    expect(await settled(started.taskId as string)).toMatchObject({
      state: 'succeeded',
      outputs: ['thumbnail.png', 'turntable.webp'],
    });
    expect(await sharp(await download(asset.id, 'thumbnail.png')).metadata()).toMatchObject({
      width: 256,
      height: 256,
    });
  });

  it('fails a broken model with a stable code, and the worker goes on to the next', async () => {
    const { body: broken } = await api()
      .post('/uploads')
      .set(authed(alice))
      .attach('files', join(FIXTURES, 'malformed/malformed.obj'))
      .expect(201);
    const { body: fine } = await api()
      .post('/uploads')
      .set(authed(alice))
      .attach('files', join(FIXTURES, 'mesh/gltf/Box.glb'))
      .expect(201);
    const failed = await settled(broken.assets[0].taskId as string);
    expect(failed).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: { code: 'MESH_PARSE_FAILED' },
    });
    expect((failed.error as { message: string }).message).toMatch(/malformed\.obj/);
    expect(await settled(fine.assets[0].taskId as string)).toMatchObject({ state: 'succeeded' });
  });
});
