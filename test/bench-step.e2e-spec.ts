import { join } from 'node:path';
import request from 'supertest';
import {
  FIXTURES,
  type RunningKiln,
  type TestUser,
  connectRealtime,
  signUp,
  startKiln,
  waitFor,
} from './support/kiln-app';

const PNG = join(FIXTURES, 'image/CesiumLogoFlat.png');

/** Uploads the PNG and waits for its own `process` task to end, so it is not in the way. */
async function uploadedAsset(kiln: RunningKiln, user: TestUser): Promise<string> {
  const upload = await request(kiln.baseUrl)
    .post('/uploads')
    .set({ Authorization: `Bearer ${user.token}` })
    .attach('files', PNG)
    .expect(201);
  const [{ id, taskId }] = upload.body.assets as Array<{ id: string; taskId: string }>;
  await waitFor('the upload task to end', async () => {
    const { body } = await request(kiln.baseUrl)
      .get(`/tasks/${taskId}`)
      .set({ Authorization: `Bearer ${user.token}` });
    return body.state === 'succeeded' || undefined;
  });
  return id;
}

describe('The bench step (KILN_BENCH_STEPS=1): a task of no work that reports K progress ticks', () => {
  describe('enabled, progress not coalesced (KILN_PROGRESS_HZ=0)', () => {
    let kiln: RunningKiln;
    let alice: TestUser;
    let assetId: string;

    beforeAll(async () => {
      kiln = await startKiln({ KILN_BENCH_STEPS: '1', KILN_PROGRESS_HZ: '0' });
      alice = await signUp(kiln.baseUrl, 'alice');
      assetId = await uploadedAsset(kiln, alice);
    });
    afterAll(async () => kiln?.stop());

    it('streams queued, started, exactly K progress events in order, then succeeded', async () => {
      const { socket, events } = await connectRealtime(kiln.baseUrl, { token: alice.token });
      try {
        const { body } = await request(kiln.baseUrl)
          .post(`/assets/${assetId}/tasks`)
          .set({ Authorization: `Bearer ${alice.token}` })
          .send({ type: 'bench', options: { events: 25 } })
          .expect(201);
        const taskId = body.taskId as string;
        const mine = () => events.filter((e) => e.payload.taskId === taskId);
        await waitFor('task.succeeded', () => mine().some((e) => e.name === 'task.succeeded'));

        const names = mine().map((e) => e.name);
        expect(names).toEqual([
          'task.queued',
          'task.started',
          ...Array<string>(25).fill('task.progress'),
          'task.succeeded',
        ]);
        const progress = mine().filter((e) => e.name === 'task.progress');
        expect(progress.map((e) => e.payload.progress)).toEqual(
          Array.from({ length: 25 }, (_, i) => (i + 1) * 4),
        );
        expect(progress.every((e) => e.payload.step === 'bench')).toBe(true);
        const ids = mine().map((e) => e.payload.eventId as string);
        expect(new Set(ids).size).toBe(ids.length);

        const task = await request(kiln.baseUrl)
          .get(`/tasks/${taskId}`)
          .set({ Authorization: `Bearer ${alice.token}` })
          .expect(200);
        expect(task.body).toMatchObject({
          type: 'bench',
          state: 'succeeded',
          progress: 100,
          step: 'bench',
          outputs: [],
        });
      } finally {
        socket.close();
      }
    });

    it('takes 50 ticks by default, and refuses an event count out of range', async () => {
      const { body } = await request(kiln.baseUrl)
        .post(`/assets/${assetId}/tasks`)
        .set({ Authorization: `Bearer ${alice.token}` })
        .send({ type: 'bench' })
        .expect(201);
      await waitFor('the default bench task to end', async () => {
        const task = await request(kiln.baseUrl)
          .get(`/tasks/${body.taskId as string}`)
          .set({ Authorization: `Bearer ${alice.token}` });
        return task.body.state === 'succeeded' || undefined;
      });
      const refused = await request(kiln.baseUrl)
        .post(`/assets/${assetId}/tasks`)
        .set({ Authorization: `Bearer ${alice.token}` })
        .send({ type: 'bench', options: { events: 0 } })
        .expect(400);
      expect(refused.body.code).toBe('INVALID_OPTIONS');
    });
  });

  describe('disabled (no KILN_BENCH_STEPS)', () => {
    let kiln: RunningKiln;
    let bob: TestUser;

    beforeAll(async () => {
      kiln = await startKiln();
      bob = await signUp(kiln.baseUrl, 'bob');
    });
    afterAll(async () => kiln?.stop());

    it('refuses a bench task with 400 BENCH_STEPS_DISABLED and queues nothing', async () => {
      const assetId = await uploadedAsset(kiln, bob);
      const refused = await request(kiln.baseUrl)
        .post(`/assets/${assetId}/tasks`)
        .set({ Authorization: `Bearer ${bob.token}` })
        .send({ type: 'bench', options: { events: 5 } })
        .expect(400);
      expect(refused.body).toMatchObject({ statusCode: 400, code: 'BENCH_STEPS_DISABLED' });
      const tasks = await request(kiln.baseUrl)
        .get('/tasks')
        .set({ Authorization: `Bearer ${bob.token}` })
        .expect(200);
      expect((tasks.body as Array<{ type: string }>).map((t) => t.type)).toEqual(['process']);
    });
  });
});
