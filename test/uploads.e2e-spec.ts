import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import {
  FIXTURES,
  type RunningKiln,
  type TestUser,
  signUp,
  startKiln,
  waitFor,
  tempEntries,
} from './support/kiln-app';
import { writeZip } from './support/zip-writer';

const PNG = readFileSync(join(FIXTURES, 'image/CesiumLogoFlat.png'));
const JPEG = readFileSync(join(FIXTURES, 'image/Collada_Sample.jpg'));
const TGA = readFileSync(join(FIXTURES, 'image/duckCM.tga'));
const ZIP_MAX_ENTRIES = 5000;

describe('Uploads: all or nothing, zips opened safely, tasks started from tasks', () => {
  let kiln: RunningKiln;
  let user: TestUser;

  beforeAll(async () => {
    kiln = await startKiln({ KILN_ZIP_MAX_ENTRIES: String(ZIP_MAX_ENTRIES) });
    user = await signUp(kiln.baseUrl, 'uploader');
  });
  afterAll(async () => kiln?.stop());

  const api = () => request(kiln.baseUrl);
  const auth = () => ({ Authorization: `Bearer ${user.token}` });
  const upload = (...files: Array<[string, Buffer]>) => {
    const call = api().post('/uploads').set(auth());
    for (const [name, bytes] of files) call.attach('files', bytes, name);
    return call;
  };
  const filesUnder = (folder: string): string[] =>
    readdirSync(folder).flatMap((name) => {
      const path = join(folder, name);
      return statSync(path).isDirectory() ? filesUnder(path) : [path];
    });

  /** What a refused upload must not leave: temp files, blobs, assets, tasks. */
  async function leftBehind() {
    const assets = await api().get('/assets').set(auth()).expect(200);
    const tasks = await api().get('/tasks').set(auth()).expect(200);
    return {
      temp: tempEntries(kiln.dataDir),
      blobs: filesUnder(join(kiln.dataDir, 'blobs')).length,
      assets: assets.body as unknown[],
      tasks: tasks.body as unknown[],
    };
  }
  const NOTHING = { temp: [], blobs: 0, assets: [], tasks: [] };

  it('refuses an upload whose third file of five is not an image, leaving no temp file, blob, asset or task', async () => {
    const response = await upload(
      ['one.png', PNG],
      ['two.jpg', JPEG],
      ['three.png', Buffer.from('not an image at all, only text\n'.repeat(100))],
      ['four.tga', TGA],
      ['five.png', PNG],
    ).expect(415);
    expect(response.body).toEqual({
      statusCode: 415,
      code: 'UNSUPPORTED_KIND',
      message:
        '"three.png" is not a file Kiln can process (its bytes match no supported format: png, jpeg, webp, tiff, gif, avif, tga, exr, hdr, obj, gltf, glb, stl, ply, fbx, dae, sbsar, or a zip of a model); nothing was stored.',
    });
    expect(await leftBehind()).toEqual(NOTHING);
  });

  it.each([
    [
      'a ../ entry',
      writeZip([
        { name: 'maps/base.png', data: PNG },
        { name: '../../evil.png', data: PNG },
      ]),
      '"evil.zip" is refused: its entry "../../evil.png" has a ".." segment that would leave its folder. Nothing was stored.',
    ],
    [
      'an absolute entry',
      writeZip([{ name: '/etc/cron.d/evil', data: PNG }]),
      '"evil.zip" is refused: its entry "/etc/cron.d/evil" is an absolute path. Nothing was stored.',
    ],
    [
      'a symlink entry',
      writeZip([{ name: 'link.png', data: Buffer.from('/etc/passwd'), unixMode: 0o120777 }]),
      '"evil.zip" is refused: its entry "link.png" is a symbolic link. Nothing was stored.',
    ],
  ])(
    'refuses a zip with %s with 415 UNSAFE_ARCHIVE, leaving nothing',
    async (_what, zip, message) => {
      const response = await upload(['ok.png', PNG], ['evil.zip', zip]).expect(415);
      expect(response.body).toEqual({ statusCode: 415, code: 'UNSAFE_ARCHIVE', message });
      expect(await leftBehind()).toEqual(NOTHING);
    },
  );

  it('refuses a zip bomb (50 MB of zeros) with 413 ARCHIVE_TOO_LARGE, leaving nothing', async () => {
    const bomb = writeZip([{ name: 'zeros.bin', data: Buffer.alloc(50 * 1024 * 1024) }]);
    const response = await upload(['bomb.zip', bomb]).expect(413);
    expect(response.body).toMatchObject({ statusCode: 413, code: 'ARCHIVE_TOO_LARGE' });
    expect(response.body.message).toMatch(
      /^"bomb.zip" is refused: its entry "zeros.bin" is compressed \d+:1, more than the 200:1 allowed \(KILN_ZIP_MAX_RATIO\), as zip bombs are\. Nothing was stored\.$/,
    );
    expect(await leftBehind()).toEqual(NOTHING);
  });

  it('refuses a zip bomb that lies about its size with 415 UNSAFE_ARCHIVE, leaving nothing', async () => {
    const liar = writeZip([
      { name: 'zeros.bin', data: Buffer.alloc(50 * 1024 * 1024), declaredSize: 100 },
    ]);
    const response = await upload(['liar.zip', liar]).expect(415);
    expect(response.body).toEqual({
      statusCode: 415,
      code: 'UNSAFE_ARCHIVE',
      message:
        '"liar.zip" is refused: its entry "zeros.bin" inflates past the 100 bytes its header declares (a crafted or corrupt zip). Nothing was stored.',
    });
    expect(await leftBehind()).toEqual(NOTHING);
  });

  it('refuses a zip of 20,000 tiny entries with 413, by KILN_ZIP_MAX_ENTRIES, leaving nothing', async () => {
    const many = writeZip(
      Array.from({ length: 20_000 }, (_, i) => ({ name: `f${i}.txt`, data: Buffer.from('x') })),
    );
    const response = await upload(['many.zip', many]).expect(413);
    expect(response.body).toEqual({
      statusCode: 413,
      code: 'ARCHIVE_TOO_LARGE',
      message: `"many.zip" is refused: it lists 20000 entries, more than the ${ZIP_MAX_ENTRIES} allowed (KILN_ZIP_MAX_ENTRIES). Nothing was stored.`,
    });
    expect(await leftBehind()).toEqual(NOTHING);
  });

  it('refuses a safe zip of images that name no PBR map: only a model or a texture set comes as a zip', async () => {
    const photos = writeZip([
      { name: 'holiday.png', data: PNG },
      { name: 'beach.jpg', data: JPEG },
    ]);
    const response = await upload(['photos.zip', photos]).expect(415);
    expect(response.body).toEqual({
      statusCode: 415,
      code: 'UNSUPPORTED_KIND',
      message:
        '"photos.zip" holds nothing Kiln can process as one asset: a zip must hold one asset: a model (.obj, .gltf, .glb, .stl, .ply, .fbx, .dae) with the files it references; or a texture set (PBR maps named by suffix, e.g. wood_BaseColor.png, wood_Normal.png, wood_Roughness.png). Nothing was stored.',
    });
    expect(await leftBehind()).toEqual(NOTHING);
  });

  it('records each file with its real content type, and runs a task on the asset from POST /assets/:id/tasks', async () => {
    const { body } = await upload(['duck.tga', TGA]).expect(201);
    const { id, taskId } = body.assets[0] as { id: string; taskId: string };
    const asset = await api().get(`/assets/${id}`).set(auth()).expect(200);
    expect(asset.body).toMatchObject({
      filename: 'duck.tga',
      format: 'tga',
      primary: 'duck.tga',
      files: [{ path: 'duck.tga', bytes: TGA.length, contentType: 'image/x-tga' }],
    });
    const settled = (task: string) =>
      waitFor(`task ${task} to settle`, async () => {
        const { body: view } = await api().get(`/tasks/${task}`).set(auth()).expect(200);
        return ['succeeded', 'failed'].includes(view.state as string)
          ? (view as Record<string, unknown>)
          : undefined;
      });
    expect(await settled(taskId)).toMatchObject({ state: 'succeeded' });
    const rerun = await api()
      .post(`/assets/${id}/tasks`)
      .set(auth())
      .send({ type: 'render', options: { size: 32 } })
      .expect(201);
    expect(await settled(rerun.body.taskId as string)).toMatchObject({
      assetId: id,
      type: 'render',
      state: 'succeeded',
    });
    await api()
      .post('/assets/00000000-0000-4000-8000-000000000000/tasks')
      .set(auth())
      .send({ type: 'render' })
      .expect(404, /ASSET_NOT_FOUND/);
    expect(tempEntries(kiln.dataDir)).toEqual([]);
  });

  it('documents POST /assets/{id}/tasks under assets, with its body, and the new upload errors', async () => {
    const docs = await api().get('/docs-json').expect(200);
    const runTask = docs.body.paths['/assets/{id}/tasks'].post;
    expect(runTask.tags).toEqual(['assets']);
    expect(runTask.requestBody.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/RunTaskDto',
    );
    expect(Object.keys(runTask.responses as object).sort()).toEqual(['201', '400', '401', '404']);
    const uploads = docs.body.paths['/uploads'].post.responses;
    expect(uploads['413'].description).toContain('ARCHIVE_TOO_LARGE');
    expect(uploads['415'].description).toContain('UNSAFE_ARCHIVE');
  });
});
