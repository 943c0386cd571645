import { join } from 'node:path';
import request from 'supertest';
import {
  FIXTURES,
  type RunningKiln,
  connectRealtime,
  signUp,
  startKiln,
  waitFor,
} from './support/kiln-app';

describe('KILN_ROLE: the API and the workers as separate processes on one Redis', () => {
  let api: RunningKiln;
  let worker: RunningKiln;

  beforeAll(async () => {
    api = await startKiln({ KILN_ROLE: 'api' });
    // Same key prefix and data dir: the processes share Redis and storage, as on one host.
    worker = await startKiln({
      KILN_ROLE: 'worker',
      KILN_KEY_PREFIX: api.keyPrefix,
      KILN_DATA_DIR: api.dataDir,
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.stop();
  });

  it('takes the upload on the api process, processes it on the worker, and streams the events back', async () => {
    const user = await signUp(api.baseUrl, 'split');
    const { socket, events } = await connectRealtime(api.baseUrl, { token: user.token });
    try {
      const { body } = await request(api.baseUrl)
        .post('/uploads')
        .set('Authorization', `Bearer ${user.token}`)
        .attach('files', join(FIXTURES, 'image/CesiumLogoFlat.png'))
        .expect(201);
      await waitFor('task.succeeded from the worker process', () =>
        events.some((e) => e.name === 'task.succeeded'),
      );
      expect(events.map((e) => e.name)).toEqual(
        expect.arrayContaining(['task.queued', 'task.started', 'task.succeeded']),
      );
      const health = await request(api.baseUrl).get('/health').expect(200);
      expect(health.body.role).toBe('api');
      expect(body.assets[0].kind).toBe('image');
      expect(api.output()).not.toMatch(/processing tasks/);
    } finally {
      socket.disconnect();
    }
  });
});
