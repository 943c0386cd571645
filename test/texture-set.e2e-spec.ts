import { readFileSync } from 'node:fs';
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
} from './support/kiln-app';
import { stepOutputs, succeeded } from './support/task-events';
import { normalsFromHeight } from './support/normal-maps';
import { writeZip } from './support/zip-writer';
import { asUser } from './support/task-http';

const METAL = join(FIXTURES, 'texture-set/Metal007_1K');
const metal = (name: string) => readFileSync(join(METAL, `Metal007_1K_${name}.jpg`));
const TEXTURE_SET_OUTPUTS = [
  'metadata.json',
  'orm.png',
  'normal.png',
  'baseColor.webp',
  'normal.webp',
  'roughness.webp',
  'metallic.webp',
  'height.webp',
  'orm.webp',
  'thumbnail.png',
];

/** Grey 8-bit samples of an image, as sharp decodes it. */
async function greyOf(bytes: Buffer): Promise<Buffer> {
  return sharp(bytes).toColourspace('b-w').raw().toBuffer();
}

describe('Texture sets: a zip of PBR maps, or loose maps of one prefix, become one texture-set asset', () => {
  let kiln: RunningKiln;
  let alice: TestUser;
  let baseColor: Buffer;
  let normalDx: Buffer;

  beforeAll(async () => {
    kiln = await startKiln({ KILN_PROGRESS_HZ: '50' });
    alice = await signUp(kiln.baseUrl, 'texturer');
    baseColor = await sharp({
      create: { width: 1024, height: 1024, channels: 3, background: '#8a5a2b' },
    })
      .png()
      .toBuffer();
    normalDx = await normalsFromHeight(1024, 'directx');
  });
  afterAll(async () => kiln?.stop());

  const api = () => request(kiln.baseUrl);
  const authed = () => ({ Authorization: `Bearer ${alice.token}` });

  const settled = (taskId: string) => asUser(kiln.baseUrl, alice.token).settled(taskId, 60_000);
  const download = (assetId: string, name: string) =>
    asUser(kiln.baseUrl, alice.token).download(assetId, name);

  it('processes a zip of five maps to task.succeeded, each step reporting its outputs, and serves them', async () => {
    const zip = writeZip([
      { name: 'Metal007/Metal007_1K_Color.png', data: baseColor },
      { name: 'Metal007/Metal007_1K_NormalDX.png', data: normalDx },
      { name: 'Metal007/Metal007_1K_Roughness.jpg', data: metal('Roughness') },
      { name: 'Metal007/Metal007_1K_Metalness.jpg', data: metal('Metalness') },
      { name: 'Metal007/Metal007_1K_Displacement.jpg', data: metal('Displacement') },
    ]);
    const { socket, events } = await connectRealtime(kiln.baseUrl, { token: alice.token });
    try {
      const { body } = await api()
        .post('/uploads')
        .set(authed())
        .attach('files', zip, 'Metal007.zip')
        .expect(201);
      expect(body.assets).toHaveLength(1);
      const [asset] = body.assets as Array<{ id: string; taskId: string; kind: string }>;
      expect(asset.kind).toBe('texture-set');
      const done = await succeeded(events, asset.taskId, 60_000);
      expect(done.payload.outputs).toEqual(TEXTURE_SET_OUTPUTS);
      expect(stepOutputs(events, asset.taskId)).toEqual([
        ['inspect', ['metadata.json']],
        ['pack', ['orm.png', 'normal.png']],
        [
          'variants',
          [
            'baseColor.webp',
            'normal.webp',
            'roughness.webp',
            'metallic.webp',
            'height.webp',
            'orm.webp',
          ],
        ],
        ['render', ['thumbnail.png']],
      ]);

      const { body: view } = await api().get(`/assets/${asset.id}`).set(authed()).expect(200);
      expect(view).toMatchObject({
        kind: 'texture-set',
        primary: 'Metal007/Metal007_1K_Color.png',
      });

      const metadata = JSON.parse((await download(asset.id, 'metadata.json')).toString()) as {
        maps: Array<{ role: string; path: string }>;
        normal: unknown;
        sizesAgree: boolean;
        warnings: string[];
      };
      expect(metadata.maps.map((map) => [map.role, map.path])).toEqual([
        ['baseColor', 'Metal007/Metal007_1K_Color.png'],
        ['normal', 'Metal007/Metal007_1K_NormalDX.png'],
        ['roughness', 'Metal007/Metal007_1K_Roughness.jpg'],
        ['metallic', 'Metal007/Metal007_1K_Metalness.jpg'],
        ['height', 'Metal007/Metal007_1K_Displacement.jpg'],
      ]);
      expect(metadata).toMatchObject({
        sizesAgree: true,
        normal: { convention: 'directx', source: 'name' },
        warnings: [],
      });

      const orm = await sharp(await download(asset.id, 'orm.png'))
        .raw()
        .toBuffer();
      const [roughness, metallic] = await Promise.all(
        [metal('Roughness'), metal('Metalness')].map(greyOf),
      );
      for (const i of [0, 300_000, 1024 * 1024 - 1]) {
        expect([...orm.subarray(i * 3, i * 3 + 3)]).toEqual([255, roughness[i], metallic[i]]);
      }
      const normal = await sharp(await download(asset.id, 'normal.png'))
        .raw()
        .toBuffer();
      const source = await sharp(normalDx).raw().toBuffer();
      for (const i of [0, 300_000]) {
        expect(normal[i * 3 + 1]).toBe(255 - source[i * 3 + 1]);
      }
      for (const name of TEXTURE_SET_OUTPUTS.filter((output) => output.endsWith('.webp'))) {
        expect(await sharp(await download(asset.id, name)).metadata()).toMatchObject({
          format: 'webp',
          width: 1024,
          height: 1024,
        });
      }
      expect(await sharp(await download(asset.id, 'thumbnail.png')).metadata()).toMatchObject({
        format: 'png',
        width: 512,
        height: 512,
      });
    } finally {
      socket.disconnect();
    }
  });

  it('groups loose maps of one prefix sent in one request into a texture set, and a lone image stays an image', async () => {
    const { body } = await api()
      .post('/uploads')
      .set(authed())
      .attach('files', baseColor, 'wood_BaseColor.png')
      .attach('files', join(FIXTURES, 'image/CesiumLogoFlat.png'))
      .attach('files', metal('Roughness'), 'wood_Roughness.jpg')
      .expect(201);
    const assets = body.assets as Array<{ id: string; taskId: string; kind: string }>;
    expect(assets.map((asset) => asset.kind)).toEqual(['texture-set', 'image']);
    const [set] = assets;
    expect(await settled(set.taskId)).toMatchObject({
      state: 'succeeded',
      outputs: [
        'metadata.json',
        'orm.png',
        'baseColor.webp',
        'roughness.webp',
        'orm.webp',
        'thumbnail.png',
      ],
    });
    const { body: view } = await api().get(`/assets/${set.id}`).set(authed()).expect(200);
    expect(view).toMatchObject({ kind: 'texture-set', primary: 'wood_BaseColor.png' });
    expect((view.files as Array<{ path: string }>).map((file) => file.path)).toEqual([
      'wood_BaseColor.png',
      'wood_Roughness.jpg',
    ]);
    const orm = await sharp(await download(set.id, 'orm.png'))
      .raw()
      .toBuffer();
    const roughness = await greyOf(metal('Roughness'));
    expect([...orm.subarray(0, 3)]).toEqual([255, roughness[0], 0]);
  });
});
