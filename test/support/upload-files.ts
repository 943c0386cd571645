import request from 'supertest';

/** `POST /uploads` of the files as the user: answers the task id of each asset, in order. */
export async function uploadFiles(
  baseUrl: string,
  token: string,
  files: Array<[bytes: Buffer, name: string]>,
): Promise<string[]> {
  let post = request(baseUrl).post('/uploads').set('Authorization', `Bearer ${token}`);
  for (const [bytes, name] of files) post = post.attach('files', bytes, name);
  const { body } = await post.expect(201);
  return (body.assets as Array<{ taskId: string }>).map((asset) => asset.taskId);
}
