import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import request from 'supertest';
import {
  FIXTURES,
  type RunningKiln,
  type TestUser,
  connectRealtime,
  signUp,
  startKiln,
  waitFor,
  tempEntries,
} from './support/kiln-app';

const PNG = readFileSync(join(FIXTURES, 'image/CesiumLogoFlat.png'));
const MAX_UPLOAD_BYTES = 100_000;

/** A valid-looking PNG whose header claims width×height, with one tiny compressed row. */
function pngClaiming(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(64))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('Bad input ends as a clear error, and the worker lives on', () => {
  let kiln: RunningKiln;
  let user: TestUser;

  beforeAll(async () => {
    kiln = await startKiln({ KILN_MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) });
    user = await signUp(kiln.baseUrl, 'mallory');
  });
  afterAll(async () => kiln?.stop());

  const upload = (name: string, bytes: Buffer) =>
    request(kiln.baseUrl)
      .post('/uploads')
      .set('Authorization', `Bearer ${user.token}`)
      .attach('files', bytes, name);
  const tempFiles = () => tempEntries(kiln.dataDir);

  async function finalState(taskId: string): Promise<Record<string, unknown>> {
    return waitFor(`task ${taskId} to settle`, async () => {
      const { body } = await request(kiln.baseUrl)
        .get(`/tasks/${taskId}`)
        .set('Authorization', `Bearer ${user.token}`)
        .expect(200);
      return ['succeeded', 'failed'].includes(body.state as string)
        ? (body as Record<string, unknown>)
        : undefined;
    });
  }

  it('refuses a file over KILN_MAX_UPLOAD_BYTES with 413 and keeps no part of it', async () => {
    const big = Buffer.concat([PNG, Buffer.alloc(MAX_UPLOAD_BYTES)]);
    const response = await upload('big.png', big).expect(413);
    expect(response.body).toEqual({
      statusCode: 413,
      code: 'UPLOAD_TOO_LARGE',
      message: `"big.png" is larger than the ${MAX_UPLOAD_BYTES}-byte limit per file (KILN_MAX_UPLOAD_BYTES); nothing was stored.`,
    });
    expect(tempFiles()).toEqual([]);
  });

  it('refuses a file of no supported kind with 415, whatever its name says', async () => {
    const notes = Buffer.from('These are notes about a box, not a model of one.\n'.repeat(20));
    expect((await upload('box.obj', notes).expect(415)).body.code).toBe('UNSUPPORTED_KIND');
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251));
    expect((await upload('photo.png', garbage).expect(415)).body.code).toBe('UNSUPPORTED_KIND');
    expect((await upload('empty.png', Buffer.alloc(0)).expect(415)).body.code).toBe(
      'UNSUPPORTED_KIND',
    );
    expect(tempFiles()).toEqual([]);
  });

  it.each([
    ['a truncated PNG', 'half.png', PNG.subarray(0, PNG.length >> 1), 'IMAGE_CORRUPT'],
    [
      'PNG magic followed by garbage',
      'liar.png',
      Buffer.concat([PNG.subarray(0, 8), Buffer.alloc(2048, 0x5a)]),
      'IMAGE_CORRUPT',
    ],
    [
      'a PNG whose header claims 50000×50000',
      'huge.png',
      pngClaiming(50_000, 50_000),
      'IMAGE_TOO_LARGE',
    ],
  ])('fails %s at once with a stable code, without retrying', async (_what, name, bytes, code) => {
    const { socket, events } = await connectRealtime(kiln.baseUrl, { token: user.token });
    try {
      const { body } = await upload(name, bytes).expect(201);
      const task = await finalState(body.assets[0].taskId as string);
      expect(task).toMatchObject({ state: 'failed', attempts: 1, error: { code } });
      expect((task.error as { message: string }).message.length).toBeGreaterThan(20);
      await waitFor('task.failed', () => events.find((e) => e.name === 'task.failed'));
      expect(events.find((e) => e.name === 'task.failed')?.payload).toMatchObject({
        error: { code },
        willRetry: false,
      });
    } finally {
      socket.disconnect();
    }
  });

  it('still processes a good file afterwards, leaving no temp files behind', async () => {
    const { body } = await upload('good.png', PNG).expect(201);
    expect(await finalState(body.assets[0].taskId as string)).toMatchObject({ state: 'succeeded' });
    expect(tempFiles()).toEqual([]);
    expect(kiln.process.exitCode).toBeNull();
  });
});
