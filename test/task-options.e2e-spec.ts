import { join } from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import { FIXTURES } from './support/fixtures';
import { type RunningKiln, type TestUser, signUp, startKiln, waitFor } from './support/kiln-app';

const PNG = join(FIXTURES, 'image/CesiumLogoFlat.png'); // 211×211 RGB

describe('Task options are checked at the request, by the schema the worker reads them with', () => {
  let kiln: RunningKiln;
  let user: TestUser;
  let assetId: string;

  const api = () => request(kiln.baseUrl);
  const authed = () => ({ Authorization: `Bearer ${user.token}` });
  const taskIds = async () =>
    ((await api().get('/tasks').set(authed()).expect(200)).body as Array<{ id: string }>).map(
      (task) => task.id,
    );
  const settled = (taskId: string) =>
    waitFor(`task ${taskId} to settle`, async () => {
      const { body } = await api().get(`/tasks/${taskId}`).set(authed()).expect(200);
      return ['succeeded', 'failed'].includes(body.state as string)
        ? (body as Record<string, unknown>)
        : undefined;
    });

  beforeAll(async () => {
    kiln = await startKiln();
    user = await signUp(kiln.baseUrl, 'opal');
    const upload = await api().post('/uploads').set(authed()).attach('files', PNG).expect(201);
    ({ id: assetId } = upload.body.assets[0] as { id: string });
    await settled(upload.body.assets[0].taskId as string);
  });
  afterAll(async () => kiln?.stop());

  it.each([
    [1e9, '1000000000'],
    [-5, '-5'],
    ['abc', '"abc"'],
  ])('answers render size %j with 400 INVALID_OPTIONS and creates no task', async (size, shown) => {
    const before = await taskIds();
    const response = await api()
      .post(`/assets/${assetId}/tasks`)
      .set(authed())
      .send({ type: 'render', options: { size } })
      .expect(400);
    expect(response.body).toEqual({
      statusCode: 400,
      code: 'INVALID_OPTIONS',
      message: `Option "size" must be a whole number from 16 to 4096; got ${shown}.`,
    });
    expect(await taskIds()).toEqual(before);
  });

  it('refuses an option the step does not take, naming the ones it does', async () => {
    const before = await taskIds();
    const response = await api()
      .post(`/assets/${assetId}/tasks`)
      .set(authed())
      .send({ type: 'render', options: { size: 64, format: 'jpeg' } })
      .expect(400);
    expect(response.body).toEqual({
      statusCode: 400,
      code: 'INVALID_OPTIONS',
      message: 'Unknown option "format"; the options here are size (render).',
    });
    expect(await taskIds()).toEqual(before);
  });

  it("takes, for process, the options of the pipeline's steps together, each step its own", async () => {
    const refused = await api()
      .post(`/assets/${assetId}/tasks`)
      .set(authed())
      .send({ type: 'process', options: { size: 64, quality: 90 } })
      .expect(400);
    expect(refused.body).toMatchObject({
      code: 'INVALID_OPTIONS',
      message: 'Unknown option "quality"; the options here are size (render), maxSize (variants).',
    });

    const rerun = await api()
      .post(`/assets/${assetId}/tasks`)
      .set(authed())
      .send({ type: 'process', options: { size: 64, maxSize: 100 } })
      .expect(201);
    expect(await settled(rerun.body.taskId as string)).toMatchObject({ state: 'succeeded' });
    const output = async (name: string) =>
      (await api().get(`/assets/${assetId}/outputs/${name}`).set(authed()).buffer(true).expect(200))
        .body as Buffer;
    expect(await sharp(await output('thumbnail.png')).metadata()).toMatchObject({ width: 64 });
    expect(await sharp(await output('preview.webp')).metadata()).toMatchObject({ width: 100 });
  });
});
