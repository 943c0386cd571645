import request from 'supertest';
import { waitFor } from './kiln-app';

/** The REST calls a pipeline spec makes as one user: wait for a task to end, fetch an output. */
export function asUser(baseUrl: string, token: string) {
  const authed = { Authorization: `Bearer ${token}` };
  return {
    /** The task's view once it is `succeeded`, `failed` or `cancelled`. */
    settled: (taskId: string, timeoutMs = 60_000): Promise<Record<string, unknown>> =>
      waitFor(
        `task ${taskId} to settle`,
        async () => {
          const { body } = await request(baseUrl).get(`/tasks/${taskId}`).set(authed).expect(200);
          return ['succeeded', 'failed', 'cancelled'].includes(body.state as string)
            ? (body as Record<string, unknown>)
            : undefined;
        },
        timeoutMs,
      ),
    /** An output's bytes, whatever its content type. */
    download: async (assetId: string, name: string): Promise<Buffer> => {
      const response = await request(baseUrl)
        .get(`/assets/${assetId}/outputs/${name}`)
        .set(authed)
        .buffer(true)
        .parse((res, callback) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => callback(null, Buffer.concat(chunks)));
        })
        .expect(200);
      return response.body as Buffer;
    },
  };
}
