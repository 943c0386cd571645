import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FIXTURES } from '../../../../test/support/fixtures';
import {
  meshLoadInput,
  meshLoadInputOf,
  seededBytes,
  triangleCount,
  removeTemporaryFolders,
  temporaryFolder,
} from '../../../../test/support/mesh-load-input';
import { loadObj } from './obj.load';

const OBJ = join(FIXTURES, 'mesh/obj');
const load = (path: string) => loadObj(meshLoadInput(path, 'obj'));

describe('loadObj', () => {
  afterAll(removeTemporaryFolders);

  // Triangles counted independently: for each `f`, its number of vertices minus two.
  it.each([
    ['box.obj', 12],
    ['cube_usemtl.obj', 12],
    ['cube_with_vertexcolors.obj', 12],
    ['WusonOBJ.obj', 3732],
    ['spider/spider.obj', 1368],
  ])('reads %s with %i triangles', async (file, triangles) => {
    const source = await load(join(OBJ, file));
    expect(source.format).toBe('obj');
    expect(triangleCount(source.document)).toBe(triangles);
  });

  it('embeds the JPEG textures of the four materials the spider uses, with no warning', async () => {
    const source = await load(join(OBJ, 'spider/spider.obj'));
    const root = source.document.getRoot();
    expect(source.warnings).toEqual([]);
    expect(root.listTextures().map((texture) => texture.getMimeType())).toEqual(
      Array(4).fill('image/jpeg'),
    );
    expect(
      root
        .listMaterials()
        .map((material) => material.getName())
        .sort(),
    ).toEqual(['Augentex', 'BeinTex', 'HLeibTex', 'Skin']);
    expect(root.listMaterials().every((m) => m.getBaseColorTexture() !== null)).toBe(true);
    expect(root.listNodes()).toHaveLength(19);
    const drkwood = root.listTextures().find((texture) => texture.getName() === 'drkwood2.jpg');
    expect(Buffer.from(drkwood!.getImage()!)).toEqual(
      await readFile(join(OBJ, 'spider/drkwood2.jpg')),
    );
  });

  it('warns once for a usemtl its MTL does not define and gives those faces the default material', async () => {
    const source = await load(join(OBJ, 'cube_usemtl.obj'));
    expect(source.warnings).toEqual([
      'cube_usemtl.obj: material "mtl3" is not defined (cube_usemtl.mtl); the default material is used',
    ]);
    const materials = source.document.getRoot().listMaterials();
    expect(materials.map((material) => material.getName()).sort()).toEqual([
      'default',
      'mtl',
      'mtl2',
    ]);
    // Ns 200 is glossy, Ns 16 less so.
    const mtl = materials.find((material) => material.getName() === 'mtl')!;
    expect(mtl.getRoughnessFactor()).toBeCloseTo(Math.sqrt(2 / 202), 6);
  });

  it('keeps per-vertex colours as linear COLOR_0', async () => {
    const source = await load(join(OBJ, 'cube_with_vertexcolors.obj'));
    const [primitive] = source.document.getRoot().listMeshes()[0].listPrimitives();
    const color = primitive.getAttribute('COLOR_0')!;
    expect(color.getType()).toBe('VEC3');
    // The first vertex, v 0 0 0 0.48627 0.43137 0.47059, sRGB to linear.
    const position = primitive.getAttribute('POSITION')!;
    const first = [...Array(position.getCount()).keys()].find((i) =>
      position.getElement(i, [0, 0, 0]).every((value) => value === 0),
    )!;
    const [r, g, b] = color.getElement(first, [0, 0, 0]);
    expect(r).toBeCloseTo(0.2016, 3);
    expect(g).toBeCloseTo(0.1559, 3);
    expect(b).toBeCloseTo(0.1878, 3);
  });

  it('fails MESH_PARSE_FAILED naming the line of an out-of-range index (malformed.obj)', async () => {
    await expect(load(join(FIXTURES, 'malformed/malformed.obj'))).rejects.toMatchObject({
      code: 'MESH_PARSE_FAILED',
      message:
        'malformed.obj is not a readable OBJ file: line 23: vertex index 12 is out of range (8 vertices defined so far)',
    });
  });

  it('reads malformed2.obj with the default material and warnings for the unknown material and the empty face', async () => {
    const source = await load(join(FIXTURES, 'malformed/malformed2.obj'));
    expect(triangleCount(source.document)).toBe(10);
    expect(source.warnings).toEqual([
      'malformed2.obj: material "DefaultDoesNotExist" is not defined (no mtllib); the default material is used',
      'malformed2.obj: 1 face(s) with fewer than 3 vertices skipped',
    ]);
  });

  it('fails MESH_EMPTY on an empty file', async () => {
    await expect(load(join(FIXTURES, 'malformed/empty.obj'))).rejects.toMatchObject({
      code: 'MESH_EMPTY',
      message: 'empty.obj has nothing to show: the file is empty',
    });
  });

  it('never reads a texture outside the asset folder (../ or absolute), and says so', async () => {
    const parent = await temporaryFolder();
    const asset = join(parent, 'asset');
    await mkdir(asset);
    await writeFile(join(parent, 'secret.png'), await readFile(join(OBJ, 'spider/SpiderTex.jpg')));
    await writeFile(
      join(asset, 'm.obj'),
      'mtllib m.mtl\nv 0 0 0\nv 1 0 0\nv 0 1 0\nvt 0 0\nusemtl a\nf 1/1 2/1 3/1\nusemtl b\nf 3/1 2/1 1/1\n',
    );
    await writeFile(
      join(asset, 'm.mtl'),
      'newmtl a\nmap_Kd ../secret.png\nnewmtl b\nmap_Kd -bm 1 /etc/passwd\n',
    );
    const source = await load(join(asset, 'm.obj'));
    expect(source.document.getRoot().listTextures()).toEqual([]);
    expect(source.warnings).toEqual([
      `m.mtl: texture "../secret.png" points outside the upload's folder, not followed`,
      'm.mtl: texture "/etc/passwd" is an absolute path, not followed',
    ]);
  });

  it('finds a texture case-insensitively through a backslash path, and by base name', async () => {
    const dir = await temporaryFolder();
    await mkdir(join(dir, 'Tex'));
    const jpeg = await readFile(join(OBJ, 'spider/SpiderTex.jpg'));
    await writeFile(join(dir, 'Tex/Skin.JPG'), jpeg);
    await writeFile(join(dir, 'flat.jpg'), jpeg);
    await writeFile(
      join(dir, 'm.obj'),
      'mtllib M.MTL\nv 0 0 0\nv 1 0 0\nv 0 1 0\nusemtl a\nf 1 2 3\nusemtl b\nf 3 2 1\n',
    );
    await writeFile(
      join(dir, 'm.mtl'),
      'newmtl a\nmap_Kd -o 0 0 0 -s 1 1 1 .\\tex\\skin.jpg\nnewmtl b\nmap_Kd C:\\Users\\artist\\flat.jpg\n',
    );
    const source = await load(join(dir, 'm.obj'));
    expect(source.warnings).toEqual([]);
    expect(
      source.document
        .getRoot()
        .listTextures()
        .map((texture) => texture.getName()),
    ).toEqual(['Tex/Skin.JPG', 'flat.jpg']);
  });

  it('stops at the next 8 MB when its signal is aborted, with the signal’s reason', async () => {
    const input = await meshLoadInputOf('v 0 0 0\n'.repeat(1_200_000), 'big.obj', 'obj');
    const controller = new AbortController();
    const stop = new Error('step cancelled');
    controller.abort(stop);
    const fractions: number[] = [];
    await expect(
      loadObj({ ...input, signal: controller.signal, progress: (f) => fractions.push(f) }),
    ).rejects.toBe(stop);
    expect(fractions).toHaveLength(1);
  });

  it('reads quads, n-gons and negative indices, fanned', async () => {
    const input = await meshLoadInputOf(
      'v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nv -1 0.5 0\nf -5 -4 -3 -2 -1\nf 1 2 3 4\n',
      'ngon.obj',
      'obj',
    );
    expect(triangleCount((await loadObj(input)).document)).toBe(5);
  });

  // OBJ has no end marker: a cut between lines leaves a shorter, valid OBJ. What each half holds
  // decides: no face yet (MESH_EMPTY), a cut inside a `v` (MESH_PARSE_FAILED), or a few faces.
  it.each([
    ['box.obj', { code: 'MESH_EMPTY', message: 'half.obj has nothing to show: it has no faces' }],
    [
      'WusonOBJ.obj',
      { code: 'MESH_EMPTY', message: 'half.obj has nothing to show: it has no faces' },
    ],
    [
      'spider/spider.obj',
      { code: 'MESH_EMPTY', message: 'half.obj has nothing to show: it has no faces' },
    ],
    [
      'cube_with_vertexcolors.obj',
      {
        code: 'MESH_PARSE_FAILED',
        message: 'half.obj is not a readable OBJ file: line 10: a vertex (v) needs three numbers',
      },
    ],
  ])('fails cleanly on the first half of %s', async (file, failure) => {
    const bytes = await readFile(join(OBJ, file));
    const input = await meshLoadInputOf(bytes.subarray(0, bytes.length >> 1), 'half.obj', 'obj');
    await expect(loadObj(input)).rejects.toMatchObject(failure);
  });

  it('reads the faces before the cut of the first half of cube_usemtl.obj', async () => {
    const bytes = await readFile(join(OBJ, 'cube_usemtl.obj'));
    const input = await meshLoadInputOf(bytes.subarray(0, bytes.length >> 1), 'half.obj', 'obj');
    const source = await loadObj(input);
    expect(triangleCount(source.document)).toBe(1);
    expect(source.warnings).toEqual([
      'half.obj: material library "cube_usemtl.mtl" is not found in the upload',
      'half.obj: material "mtl3" is not defined (cube_usemtl.mtl); the default material is used',
      'half.obj: 1 face(s) with fewer than 3 vertices skipped', // the face cut in two
    ]);
  });

  it.each([1, 2, 3])(
    'fails MESH_PARSE_FAILED or MESH_EMPTY on random bytes (seed %i)',
    async (seed) => {
      const input = await meshLoadInputOf(seededBytes(seed, 4096), 'random.obj', 'obj');
      await expect(loadObj(input)).rejects.toMatchObject({
        code: expect.stringMatching(/^MESH_(PARSE_FAILED|EMPTY)$/),
        message: expect.stringContaining('random.obj'),
      });
    },
  );
});
