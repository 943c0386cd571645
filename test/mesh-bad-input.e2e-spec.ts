import { join } from 'node:path';
import request from 'supertest';
import {
  FIXTURES,
  type RunningKiln,
  type TestUser,
  signUp,
  startKiln,
  waitFor,
} from './support/kiln-app';

const MALFORMED = join(FIXTURES, 'malformed');

/**
 * The malformed corpus (test/fixtures/malformed, see SOURCES.md) through the running app: each
 * upload is refused at once or ends as a task with a stable code, never retried, and the worker
 * goes on serving. The loaders' specs cover truncated and random-byte copies of every fixture.
 */
const CASES: ReadonlyArray<{ files: string[]; outcome: string }> = [
  {
    files: ['IndexOutOfRange/IndexOutOfRange.gltf', 'IndexOutOfRange/IndexOutOfRange.bin'],
    outcome: 'failed MESH_PARSE_FAILED',
  },
  { files: ['MissingBin/BoxTextured.gltf'], outcome: 'failed MESH_PARSE_FAILED' },
  { files: ['RecursiveNodes.gltf'], outcome: 'failed MESH_PARSE_FAILED' },
  {
    files: ['wrongTypes/badArray.gltf', 'wrongTypes/BoxTextured0.bin'],
    outcome: 'failed MESH_PARSE_FAILED',
  },
  {
    files: ['wrongTypes/badNumber.gltf', 'wrongTypes/BoxTextured0.bin'],
    outcome: 'failed MESH_PARSE_FAILED',
  },
  { files: ['box_nested_animation_4286.dae'], outcome: 'failed MESH_PARSE_FAILED' },
  { files: ['crash-30d6d0f7.ply'], outcome: 'failed MESH_PARSE_FAILED' },
  { files: ['malformed.obj'], outcome: 'failed MESH_PARSE_FAILED' },
  // A material the OBJ names but no MTL defines: drawn with the default material, and said.
  { files: ['malformed2.obj'], outcome: 'succeeded' },
  // Empty files are no model at all: refused at upload, nothing stored.
  { files: ['empty.obj'], outcome: '415 UNSUPPORTED_KIND' },
  { files: ['empty.ply'], outcome: '415 UNSUPPORTED_KIND' },
];

describe('Malformed models through the running app', () => {
  let kiln: RunningKiln;
  let user: TestUser;

  beforeAll(async () => {
    kiln = await startKiln();
    user = await signUp(kiln.baseUrl, 'breaker');
  });
  afterAll(async () => kiln?.stop());

  const authed = () => ({ Authorization: `Bearer ${user.token}` });

  async function outcomeOf(files: readonly string[]): Promise<string> {
    const upload = request(kiln.baseUrl).post('/uploads').set(authed());
    for (const file of files) upload.attach('files', join(MALFORMED, file));
    const response = await upload;
    if (response.status !== 201) return `${response.status} ${response.body.code as string}`;
    const taskId = response.body.assets[0].taskId as string;
    const task = await waitFor(`task of ${files[0]}`, async () => {
      const { body } = await request(kiln.baseUrl).get(`/tasks/${taskId}`).set(authed());
      return ['succeeded', 'failed'].includes(body.state as string)
        ? (body as { state: string; attempts: number; error?: { code: string; message: string } })
        : undefined;
    });
    expect(task.attempts).toBe(1);
    if (task.error) expect(task.error.message).toContain(files[0].split('/').pop());
    return task.error ? `${task.state} ${task.error.code}` : task.state;
  }

  it.each(CASES)('$files.0 → $outcome', async ({ files, outcome }) => {
    expect(await outcomeOf(files)).toBe(outcome);
  });

  it('still processes a good model after all of them', async () => {
    expect(await outcomeOf(['../mesh/gltf/Box.glb'])).toBe('succeeded');
  });
});
