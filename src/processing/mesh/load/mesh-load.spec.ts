import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from '../../../../test/support/fixtures';
import { loadMesh, meshFormatOf } from './mesh-load';

const GLTF = join(FIXTURES, 'mesh/gltf');
const input = (inputDir: string, primary: string) => ({
  inputDir,
  primary,
  signal: new AbortController().signal,
  progress: () => undefined,
});

describe('loadMesh', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-mesh-load-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['Box.glb', 'glb'],
    ['book f.glb', 'glb'],
    ['AnimatedMorphCube/AnimatedMorphCube.gltf', 'gltf'],
    ['../../malformed/empty.obj', 'obj'],
    ['../obj/box.obj', 'obj'],
    ['../dae/sphere.dae', 'dae'],
  ])(
    'takes the format of %s from its extension while the sniffer names no model format',
    async (primary, format) => {
      const [folder, name] = [join(GLTF, primary, '..'), primary.split('/').pop() ?? primary];
      expect(await meshFormatOf({ inputDir: folder, primary: name })).toBe(format);
    },
  );

  it('reads a GLB through the glTF loader, counting its triangles', async () => {
    const source = await loadMesh(input(GLTF, 'book f.glb'));
    expect(source.format).toBe('glb');
    expect(source.document.getRoot().listMeshes()).toHaveLength(2);
  });

  it('reads glTF JSON named .glb as glTF: the bytes decide', async () => {
    await copyFile(join(GLTF, 'AnimatedMorphCube/AnimatedMorphCube.gltf'), join(dir, 'cube.glb'));
    await copyFile(
      join(GLTF, 'AnimatedMorphCube/AnimatedMorphCube.bin'),
      join(dir, 'AnimatedMorphCube.bin'),
    );
    const source = await loadMesh(input(dir, 'cube.glb'));
    expect(source.format).toBe('gltf');
    expect(source.document.getRoot().listAnimations()).toHaveLength(1);
  });

  it('refuses a file that is no model format as MESH_UNSUPPORTED, naming it', async () => {
    await writeFile(join(dir, 'notes.txt'), 'not a model');
    await expect(loadMesh(input(dir, 'notes.txt'))).rejects.toMatchObject({
      code: 'MESH_UNSUPPORTED',
      message:
        'notes.txt is not a model format Kiln reads (glTF/GLB, OBJ, FBX, COLLADA, STL or PLY).',
    });
  });
});
