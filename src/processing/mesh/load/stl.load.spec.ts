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
import { loadStl } from './stl.load';

const STL = join(FIXTURES, 'mesh/stl');

describe('loadStl', () => {
  afterAll(removeTemporaryFolders);

  // Binary: the count field at byte 80 (and 84 + 50 × count = the file size); ASCII: `facet normal` lines.
  it.each([
    ['Spider_binary.stl', 1368, 'STL binary'],
    ['suzanne.stl', 968, 'STL binary'],
    ['Spider_ascii.stl', 1368, 'STL ASCII'],
    ['sphereWithHole.stl', 285, 'STL ASCII'],
  ])('reads %s with %i triangles', async (file, triangles, version) => {
    const source = await loadStl(meshLoadInput(join(STL, file), 'stl'));
    expect(triangleCount(source.document)).toBe(triangles);
    expect(source.formatVersion).toBe(version);
    expect(source.warnings).toEqual([]);
    expect(source.document.getRoot().listTextures()).toEqual([]);
  });

  it('reads the same spider from binary and ASCII with the same bounds', async () => {
    const bounds = async (file: string) => {
      const source = await loadStl(meshLoadInput(join(STL, file), 'stl'));
      const position = source.document.getRoot().listAccessors()[0];
      return [position.getMin([]), position.getMax([])];
    };
    const binary = await bounds('Spider_binary.stl');
    const ascii = await bounds('Spider_ascii.stl');
    binary.flat().forEach((value, i) => expect(value).toBeCloseTo(ascii.flat()[i], 3));
  });

  it.each([
    [
      'Spider_binary.stl',
      'as binary STL it states 1368 triangles, which take 68484 bytes, but it has 34242 (truncated, or not STL)',
    ],
    [
      'suzanne.stl',
      'as binary STL it states 968 triangles, which take 48484 bytes, but it has 24242 (truncated, or not STL)',
    ],
    ['Spider_ascii.stl', 'the ASCII STL ends before "endsolid" (truncated)'],
    ['sphereWithHole.stl', 'the ASCII STL ends before "endsolid" (truncated)'],
  ])('fails MESH_PARSE_FAILED on the first half of %s', async (file, problem) => {
    const bytes = await readFile(join(STL, file));
    const input = await meshLoadInputOf(bytes.subarray(0, bytes.length >> 1), 'half.stl', 'stl');
    await expect(loadStl(input)).rejects.toMatchObject({
      code: 'MESH_PARSE_FAILED',
      message: `half.stl is not a readable STL file: ${problem}`,
    });
  });

  it.each([1, 2, 3])('fails MESH_PARSE_FAILED on random bytes (seed %i)', async (seed) => {
    const input = await meshLoadInputOf(seededBytes(seed, 4096), 'random.stl', 'stl');
    await expect(loadStl(input)).rejects.toMatchObject({
      code: 'MESH_PARSE_FAILED',
      message: expect.stringContaining('random.stl is not a readable STL file'),
    });
  });

  it('reads a binary STL whose header starts with "solid" as binary, by its size', async () => {
    const bytes = Buffer.from(await readFile(join(STL, 'suzanne.stl')));
    bytes.write('solid exported by a careless tool', 0, 'latin1');
    const input = await meshLoadInputOf(bytes, 'solid.stl', 'stl');
    const source = await loadStl(input);
    expect([triangleCount(source.document), source.formatVersion]).toEqual([968, 'STL binary']);
  });

  it('fails MESH_EMPTY on a binary STL of zero triangles, and on an empty file', async () => {
    const zero = await meshLoadInputOf(new Uint8Array(84), 'zero.stl', 'stl');
    await expect(loadStl(zero)).rejects.toMatchObject({ code: 'MESH_EMPTY' });
    const empty = await meshLoadInputOf(new Uint8Array(0), 'empty.stl', 'stl');
    await expect(loadStl(empty)).rejects.toMatchObject({
      code: 'MESH_EMPTY',
      message: 'empty.stl has nothing to show: the file is empty',
    });
  });
});
