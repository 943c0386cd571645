import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FIXTURES } from '../../../../test/support/fixtures';
import {
  meshLoadInput,
  meshLoadInputOf,
  seededBytes,
  triangleCount,
  removeTemporaryFolders,
} from '../../../../test/support/mesh-load-input';
import { loadPly } from './ply.load';

const PLY = join(FIXTURES, 'mesh/ply');
const FILES = ['colors.ply', 'cube_binary.ply', 'cube_uv.ply', 'float-color.ply'];

describe('loadPly', () => {
  afterAll(removeTemporaryFolders);

  // Faces in each body: triangles once, quads twice.
  it.each([
    ['colors.ply', 12, 'PLY 1.0 ascii'], // 2 triangles + 5 quads
    ['cube_binary.ply', 12, 'PLY 1.0 binary_little_endian'], // 12 triangles
    ['cube_uv.ply', 12, 'PLY 1.0 ascii'], // 6 quads
    ['float-color.ply', 1, 'PLY 1.0 ascii'],
  ])('reads %s with %i triangles', async (file, triangles, version) => {
    const source = await loadPly(meshLoadInput(join(PLY, file), 'ply'));
    expect(triangleCount(source.document)).toBe(triangles);
    expect(source.formatVersion).toBe(version);
    expect(source.warnings).toEqual([]);
  });

  it('keeps vertex colours (colors.ply: vertex 0 is pure red)', async () => {
    const source = await loadPly(meshLoadInput(join(PLY, 'colors.ply'), 'ply'));
    const [primitive] = source.document.getRoot().listMeshes()[0].listPrimitives();
    expect(primitive.getAttribute('COLOR_0')!.getElement(0, [])).toEqual([1, 0, 0]);
  });

  it('keeps UVs (cube_uv.ply)', async () => {
    const source = await loadPly(meshLoadInput(join(PLY, 'cube_uv.ply'), 'ply'));
    const [primitive] = source.document.getRoot().listMeshes()[0].listPrimitives();
    expect(primitive.getAttribute('TEXCOORD_0')!.getCount()).toBe(24);
  });

  it('fails MESH_PARSE_FAILED on the fuzzer crash case, at once', async () => {
    await expect(
      loadPly(meshLoadInput(join(FIXTURES, 'malformed/crash-30d6d0f7.ply'), 'ply')),
    ).rejects.toMatchObject({
      code: 'MESH_PARSE_FAILED',
      message: 'crash-30d6d0f7.ply is not a readable PLY file: its header has no "end_header"',
    });
  });

  it.each([
    ['element vertex 4000000000\n', 'its element "vertex" has no properties'],
    [
      'element vertex 1000000000\nproperty float x\nproperty float y\nproperty float z\n',
      'the header promises at least 12000000000 bytes of elements, the body has 16 (truncated)',
    ],
  ])(
    'fails at once, before parsing, on a header promising more than the body holds (%#)',
    async (elements, problem) => {
      const input = await meshLoadInputOf(
        `ply\nformat binary_little_endian 1.0\n${elements}end_header\n0123456789abcdef`,
        'huge.ply',
        'ply',
      );
      await expect(loadPly(input)).rejects.toMatchObject({
        code: 'MESH_PARSE_FAILED',
        message: `huge.ply is not a readable PLY file: ${problem}`,
      });
    },
  );

  it('fails MESH_EMPTY on an empty file', async () => {
    await expect(
      loadPly(meshLoadInput(join(FIXTURES, 'malformed/empty.ply'), 'ply')),
    ).rejects.toMatchObject({
      code: 'MESH_EMPTY',
      message: 'empty.ply has nothing to show: the file is empty',
    });
  });

  it.each(FILES)('fails MESH_PARSE_FAILED on the first half of %s', async (file) => {
    const bytes = await readFile(join(PLY, file));
    const input = await meshLoadInputOf(bytes.subarray(0, bytes.length >> 1), 'half.ply', 'ply');
    await expect(loadPly(input)).rejects.toMatchObject({
      code: 'MESH_PARSE_FAILED',
      message: expect.stringMatching(/^half\.ply is not a readable PLY file: /),
    });
  });

  it.each([1, 2, 3])('fails MESH_PARSE_FAILED on random bytes (seed %i)', async (seed) => {
    const input = await meshLoadInputOf(seededBytes(seed, 4096), 'random.ply', 'ply');
    await expect(loadPly(input)).rejects.toMatchObject({
      code: 'MESH_PARSE_FAILED',
      message: 'random.ply is not a readable PLY file: it does not start with "ply"',
    });
  });

  it.each([1, 2])(
    'fails MESH_PARSE_FAILED on a PLY header over random bytes (seed %i)',
    async (seed) => {
      const header = Buffer.from(
        'ply\nformat binary_little_endian 1.0\nelement vertex 100\nproperty float x\nproperty float y\nproperty float z\nelement face 50\nproperty list uchar int vertex_indices\nend_header\n',
      );
      const input = await meshLoadInputOf(
        Buffer.concat([header, seededBytes(seed, 1500)]),
        'lying.ply',
        'ply',
      );
      await expect(loadPly(input)).rejects.toMatchObject({ code: 'MESH_PARSE_FAILED' });
    },
  );
});
