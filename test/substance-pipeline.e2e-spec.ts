import { readFile } from 'node:fs/promises';
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
import { asUser } from './support/task-http';

const SUBSTANCE = join(FIXTURES, 'substance');
const SUBSTANCE_OUTPUTS = ['metadata.json', 'thumbnail.png'];

interface UploadedAsset {
  id: string;
  taskId: string;
  kind: string;
}

describe('Substance archives: upload an .sbsar, inspect and render it on workers, download the outputs', () => {
  let kiln: RunningKiln;
  let alice: TestUser;

  beforeAll(async () => {
    kiln = await startKiln({ KILN_PROGRESS_HZ: '50' });
    alice = await signUp(kiln.baseUrl, 'material-artist');
  });
  afterAll(async () => kiln?.stop());

  const api = () => request(kiln.baseUrl);
  const authed = () => ({ Authorization: `Bearer ${alice.token}` });

  const settled = (taskId: string) => asUser(kiln.baseUrl, alice.token).settled(taskId, 50_000);
  const download = (assetId: string, name: string) =>
    asUser(kiln.baseUrl, alice.token).download(assetId, name);

  it('makes a substance asset of natural_lambskin_leather.sbsar, streams it to task.succeeded, and serves its metadata and icon thumbnail', async () => {
    const { socket, events } = await connectRealtime(kiln.baseUrl, { token: alice.token });
    try {
      const { body } = await api()
        .post('/uploads')
        .set(authed())
        .attach('files', join(SUBSTANCE, 'natural_lambskin_leather.sbsar'))
        .expect(201);
      expect(body.assets).toHaveLength(1);
      const [asset] = body.assets as UploadedAsset[];
      expect(asset.kind).toBe('substance');

      const done = await succeeded(events, asset.taskId, 50_000);
      expect(done.payload.outputs).toEqual(SUBSTANCE_OUTPUTS);
      expect(stepOutputs(events, asset.taskId)).toEqual([
        ['inspect', ['metadata.json']],
        ['render', ['thumbnail.png']],
      ]);

      const { body: view } = await api().get(`/assets/${asset.id}`).set(authed()).expect(200);
      expect(view).toMatchObject({ kind: 'substance', primary: 'natural_lambskin_leather.sbsar' });

      const metadata = JSON.parse((await download(asset.id, 'metadata.json')).toString()) as {
        graphs: Array<Record<string, unknown> & { inputs: unknown[]; presets: unknown[] }>;
      };
      expect(metadata.graphs).toHaveLength(1);
      expect(metadata.graphs[0]).toMatchObject({
        label: 'Natural Lambskin Leather',
        packageUrl: 'pkg://natural_lambskin_leather',
        category: 'Leather',
        keywords: ['leather', 'organic', 'animal', 'skin'],
        author: 'Adobe',
        physicalSize: [25, 25, 0.05],
      });
      expect(metadata.graphs[0].inputs).toHaveLength(27);
      expect(metadata.graphs[0].presets).toHaveLength(3);

      const thumbnail = await download(asset.id, 'thumbnail.png');
      expect(await sharp(thumbnail).metadata()).toMatchObject({
        format: 'png',
        width: 512,
        height: 512,
      });
    } finally {
      socket.disconnect();
    }
  });

  it('makes one asset of each .sbsar of an upload, draws a card for those without an icon, and renders again at 128 px', async () => {
    const { body } = await api()
      .post('/uploads')
      .set(authed())
      .attach('files', join(SUBSTANCE, 'CardBoard.sbsar'))
      .attach('files', join(SUBSTANCE, 'Tapestry.sbsar'))
      .expect(201);
    const assets = body.assets as UploadedAsset[];
    expect(assets.map((asset) => asset.kind)).toEqual(['substance', 'substance']);
    for (const asset of assets)
      expect(await settled(asset.taskId)).toMatchObject({
        state: 'succeeded',
        outputs: SUBSTANCE_OUTPUTS,
      });
    const labels = await Promise.all(
      assets.map(async (asset) => {
        const metadata = JSON.parse((await download(asset.id, 'metadata.json')).toString()) as {
          graphs: Array<{ label: string; author: string | null }>;
        };
        return metadata.graphs.map((graph) => [graph.label, graph.author]);
      }),
    );
    expect(labels).toEqual([[['CardBoard', null]], [['Tapestry', 'Chris Ingerson']]]);

    const { body: started } = await api()
      .post(`/assets/${assets[0].id}/tasks`)
      .set(authed())
      .send({ type: 'render', options: { size: 128 } })
      .expect(201);
    expect(await settled(started.taskId as string)).toMatchObject({
      state: 'succeeded',
      outputs: ['thumbnail.png'],
    });
    expect(await sharp(await download(assets[0].id, 'thumbnail.png')).metadata()).toMatchObject({
      width: 128,
      height: 128,
    });
  });

  it('fails a truncated .sbsar with SUBSTANCE_PARSE_FAILED at once, and refuses random bytes named .sbsar with 415', async () => {
    const whole = await readFile(join(SUBSTANCE, 'CardBoard.sbsar'));
    const { body } = await api()
      .post('/uploads')
      .set(authed())
      .attach('files', whole.subarray(0, whole.length / 2), 'CardBoard.sbsar')
      .expect(201);
    const failed = await settled(body.assets[0].taskId as string);
    expect(failed).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: {
        code: 'SUBSTANCE_PARSE_FAILED',
        message: expect.stringMatching(/truncated/) as unknown,
      },
    });

    const garbage = await api()
      .post('/uploads')
      .set(authed())
      .attach('files', Buffer.alloc(4096, 0x5a), 'noise.sbsar')
      .expect(415);
    expect(garbage.body.code).toBe('UNSUPPORTED_KIND');
  });
});
