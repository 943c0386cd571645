import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import request from 'supertest';
import {
  type RunningKiln,
  type TestUser,
  connectRealtime,
  signUp,
  startKiln,
  waitFor,
} from './support/kiln-app';

/** 4096² RGB noise, barely compressed: a render of it takes a good part of a second or more. */
const slowPng = () => {
  const size = 4096;
  return sharp(randomBytes(size * size * 3), { raw: { width: size, height: size, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
};

const smallPng = () =>
  sharp({ create: { width: 64, height: 64, channels: 3, background: '#3a7' } })
    .png()
    .toBuffer();

describe('Fairness between uploads and re-runs', () => {
  let kiln: RunningKiln;
  let user: TestUser;

  beforeAll(async () => {
    kiln = await startKiln({ KILN_WORKER_CONCURRENCY: '1' });
    user = await signUp(kiln.baseUrl, 'fair');
  }, 60_000);
  afterAll(async () => {
    await kiln?.stop();
  }, 60_000);

  const upload = async (bytes: Buffer, name: string) => {
    const { body } = await request(kiln.baseUrl)
      .post('/uploads')
      .set('Authorization', `Bearer ${user.token}`)
      .attach('files', bytes, name)
      .expect(201);
    return (body.assets as Array<{ id: string; taskId: string }>)[0];
  };

  it("starts an upload's task after at most 2 of the 16 re-runs queued before it", async () => {
    const { socket, events } = await connectRealtime(kiln.baseUrl, { token: user.token });
    try {
      const started = (taskId: string) =>
        events.findIndex((e) => e.name === 'task.started' && e.payload.taskId === taskId);
      const asset = await upload(await slowPng(), 'noise.png');
      await waitFor(
        'the first upload to succeed',
        () => events.some((e) => e.name === 'task.succeeded' && e.payload.taskId === asset.taskId),
        60_000,
      );

      const reruns: string[] = [];
      for (let i = 0; i < 16; i++) {
        const { body } = await request(kiln.baseUrl)
          .post(`/assets/${asset.id}/tasks`)
          .set('Authorization', `Bearer ${user.token}`)
          .send({ type: 'render', options: { size: 2048 } })
          .expect(201);
        reruns.push(body.taskId as string);
      }
      const { taskId } = await upload(await smallPng(), 'small.png');
      await waitFor("the upload's task to start", () => started(taskId) >= 0 || undefined, 60_000);

      const rerunsFirst = reruns.filter((id) => {
        const index = started(id);
        return index >= 0 && index < started(taskId);
      });
      // One is running when the upload arrives; the queue itself must let none pass.
      expect(rerunsFirst.length).toBeGreaterThanOrEqual(1);
      expect(rerunsFirst.length).toBeLessThanOrEqual(2);
      // And the re-runs themselves still run in the order they were queued.
      await waitFor(
        'every re-run to start',
        () => reruns.every((id) => started(id) >= 0) || undefined,
        120_000,
      );
      const order = [...reruns].sort((a, b) => started(a) - started(b));
      expect(order).toEqual(reruns);
    } finally {
      socket.disconnect();
    }
  }, 180_000);
});
