import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import {
  FIXTURES,
  type RunningKiln,
  type TestUser,
  signUp,
  startKiln,
  tempEntries,
} from './support/kiln-app';
import { writeZip } from './support/zip-writer';

const SPIDER_FOLDER = join(FIXTURES, 'mesh/obj/spider');
const SPIDER_TEXTURES = [
  'SpiderTex.jpg',
  'drkwood2.jpg',
  'engineflare1.jpg',
  'wal67ar_small.jpg',
  'wal69ar_small.jpg',
];
const spiderFile = (name: string): [string, Buffer] => [
  name,
  readFileSync(join(SPIDER_FOLDER, name)),
];
const PNG = readFileSync(join(FIXTURES, 'image/CesiumLogoFlat.png'));
const GLB = readFileSync(join(FIXTURES, 'mesh/gltf/BoxTextured.glb'));
const MORPH_CUBE = join(FIXTURES, 'mesh/gltf/AnimatedMorphCube');

/**
 * Models are accepted at POST /uploads and grouped into mesh assets. Only the upload and the
 * asset record are looked at: the `process` task is queued, and this spec runs the API role
 * alone, so no worker picks it up (its pipeline is tested elsewhere).
 */
describe('Mesh uploads: a model and the files it references become one mesh asset', () => {
  let kiln: RunningKiln;
  let user: TestUser;

  beforeAll(async () => {
    kiln = await startKiln({ KILN_ROLE: 'api' });
    user = await signUp(kiln.baseUrl, 'modeller');
  });
  afterAll(async () => kiln?.stop());

  const api = () => request(kiln.baseUrl);
  const auth = () => ({ Authorization: `Bearer ${user.token}` });
  const upload = (...files: Array<[string, Buffer]>) => {
    const call = api().post('/uploads').set(auth());
    for (const [name, bytes] of files) call.attach('files', bytes, name);
    return call;
  };
  const asset = async (id: string) =>
    (await api().get(`/assets/${id}`).set(auth()).expect(200)).body as {
      kind: string;
      format: string;
      primary: string;
      filename: string;
      files: Array<{ path: string; bytes: number; contentType: string }>;
    };
  const paths = (files: Array<{ path: string }>) => files.map((file) => file.path).sort();

  it('makes spider.obj, spider.mtl and its five textures, sent as seven files, one mesh asset of 7 files, primary spider.obj', async () => {
    const { body } = await upload(
      spiderFile('spider.obj'),
      spiderFile('spider.mtl'),
      ...SPIDER_TEXTURES.map(spiderFile),
    ).expect(201);
    expect(body.assets).toEqual([
      {
        id: expect.any(String),
        filename: 'spider.obj',
        kind: 'mesh',
        bytes: readFileSync(join(SPIDER_FOLDER, 'spider.obj')).length,
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        taskId: expect.any(String),
      },
    ]);
    const spider = await asset(body.assets[0].id as string);
    expect(spider).toMatchObject({
      kind: 'mesh',
      format: 'obj',
      primary: 'spider.obj',
      filename: 'spider.obj',
    });
    expect(paths(spider.files)).toEqual(['spider.mtl', 'spider.obj', ...SPIDER_TEXTURES].sort());
    expect(spider.files.find((file) => file.path === 'spider.mtl')?.contentType).toBe('model/mtl');
    const task = await api().get(`/tasks/${body.assets[0].taskId}`).set(auth()).expect(200);
    expect(task.body).toMatchObject({ assetId: body.assets[0].id, type: 'process' });
  });

  it('leaves a PNG sent with the spider that nothing references its own image asset: two assets', async () => {
    const { body } = await upload(
      ...SPIDER_TEXTURES.map(spiderFile),
      ['logo.png', PNG],
      spiderFile('spider.mtl'),
      spiderFile('spider.obj'),
    ).expect(201);
    const assets = body.assets as Array<{ id: string; filename: string; kind: string }>;
    expect(assets.map(({ filename, kind }) => ({ filename, kind }))).toEqual([
      { filename: 'spider.obj', kind: 'mesh' },
      { filename: 'logo.png', kind: 'image' },
    ]);
    expect(paths((await asset(assets[0].id)).files)).toHaveLength(7);
    expect(await asset(assets[1].id)).toMatchObject({
      kind: 'image',
      primary: 'logo.png',
      files: [{ path: 'logo.png', contentType: 'image/png' }],
    });
  });

  it('makes a GLB sent alone a mesh asset', async () => {
    const { body } = await upload(['BoxTextured.glb', GLB]).expect(201);
    expect(await asset(body.assets[0].id as string)).toMatchObject({
      kind: 'mesh',
      format: 'glb',
      primary: 'BoxTextured.glb',
      files: [{ path: 'BoxTextured.glb', bytes: GLB.length, contentType: 'model/gltf-binary' }],
    });
  });

  it('makes a zip of the AnimatedMorphCube folder one mesh asset, entries at their paths, primary the .gltf', async () => {
    const zip = writeZip(
      readdirSync(MORPH_CUBE).map((name) => ({
        name: `AnimatedMorphCube/${name}`,
        data: readFileSync(join(MORPH_CUBE, name)),
      })),
    );
    const { body } = await upload(['AnimatedMorphCube.zip', zip]).expect(201);
    expect(body.assets).toHaveLength(1);
    expect(await asset(body.assets[0].id as string)).toMatchObject({
      kind: 'mesh',
      format: 'gltf',
      filename: 'AnimatedMorphCube.gltf',
      primary: 'AnimatedMorphCube/AnimatedMorphCube.gltf',
      files: [
        {
          path: 'AnimatedMorphCube/AnimatedMorphCube.bin',
          contentType: 'application/octet-stream',
        },
        { path: 'AnimatedMorphCube/AnimatedMorphCube.gltf', contentType: 'model/gltf+json' },
      ],
    });
  });

  it('refuses a lone .mtl with 415, saying it must come with its model, and stores nothing', async () => {
    const before = (await api().get('/assets').set(auth()).expect(200)).body as unknown[];
    const response = await upload(spiderFile('spider.mtl')).expect(415);
    expect(response.body).toEqual({
      statusCode: 415,
      code: 'UNSUPPORTED_KIND',
      message:
        '"spider.mtl" (MTL) is read only as part of a model: it must come with its model (in the same upload, or in one zip with it), and no model in this upload references it; nothing was stored.',
    });
    expect((await api().get('/assets').set(auth()).expect(200)).body).toHaveLength(before.length);
    expect(tempEntries(kiln.dataDir)).toEqual([]);
  });
});
