import { getBounds } from '@gltf-transform/core';
import { copyFile, readFile } from 'node:fs/promises';
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
import { loadFbx } from './fbx.load';

const FBX = join(FIXTURES, 'mesh/fbx');
const FILES = [
  'ascii/box_embedded_texture.fbx',
  'ascii/cubes_with_names.fbx',
  'ascii/maxPbrMaterial_metalRough.fbx',
  'binary/Megaphone_01_Lowpoly.fbx',
  'binary/box.fbx',
  'binary/huesitos.fbx',
  'binary/phong_cube.fbx',
  'binary/spider.fbx',
];
const load = (file: string) => loadFbx(meshLoadInput(join(FBX, file), 'fbx'));

describe('loadFbx', () => {
  afterAll(removeTemporaryFolders);

  // Triangles: Σ (polygon size − 2) over each Geometry's PolygonVertexIndex (a polygon ends at a
  // negative index), read with a separate FBX node reader; versions and units from GlobalSettings.
  it.each([
    ['ascii/box_embedded_texture.fbx', 12, 'FBX 7400 (ASCII)', 'Z', 1],
    ['ascii/cubes_with_names.fbx', 420, 'FBX 7500 (ASCII)', 'Y', 0.01],
    ['ascii/maxPbrMaterial_metalRough.fbx', 12, 'FBX 7700 (ASCII)', 'Y', 1],
    ['binary/Megaphone_01_Lowpoly.fbx', 15814, 'FBX 7400 (binary)', 'Y', 0.01],
    ['binary/box.fbx', 12, 'FBX 7400 (binary)', 'Y', 1],
    ['binary/huesitos.fbx', 120, 'FBX 7400 (binary)', 'Y', 0.01],
    ['binary/phong_cube.fbx', 12, 'FBX 7400 (binary)', 'Y', 0.01],
    ['binary/spider.fbx', 1368, 'FBX 7400 (binary)', 'Y', 0.01],
  ])(
    'reads %s: %i triangles, %s, %s-up, %f m a unit',
    async (file, triangles, version, up, unit) => {
      const source = await load(file);
      expect(triangleCount(source.document)).toBe(triangles);
      expect(source).toMatchObject({
        format: 'fbx',
        formatVersion: version,
        sourceUpAxis: up,
        sourceUnitMetres: unit,
      });
    },
  );

  it('embeds the PNG an ASCII FBX holds, and turns its Z-up box Y-up', async () => {
    const source = await load('ascii/box_embedded_texture.fbx');
    expect(source.warnings).toEqual([]);
    const textures = source.document.getRoot().listTextures();
    expect(textures.map((texture) => [texture.getMimeType(), texture.getSize()])).toEqual([
      ['image/png', [512, 512]],
    ]);
    // A 1.2 m cube standing on the ground: tall along Y once turned from Z-up.
    const { min, max } = getBounds(source.document.getRoot().listScenes()[0]);
    expect(max[1] - min[1]).toBeCloseTo(1.2, 4);
    expect(min[1]).toBeCloseTo(0, 4);
    expect(max[0] - min[0]).toBeCloseTo(1.2, 4);
    expect(max[2] - min[2]).toBeCloseTo(1.2, 4);
  });

  it('scales a centimetre FBX to metres (phong_cube: 1 cm cube)', async () => {
    const { min, max } = getBounds(
      (await load('binary/phong_cube.fbx')).document.getRoot().listScenes()[0],
    );
    expect(min.map((v) => +v.toFixed(6))).toEqual([-0.005, -0.005, -0.005]);
    expect(max.map((v) => +v.toFixed(6))).toEqual([0.005, 0.005, 0.005]);
  });

  it('keeps the skin and the animation of huesitos.fbx', async () => {
    const root = (await load('binary/huesitos.fbx')).document.getRoot();
    expect(root.listSkins()).toHaveLength(1);
    expect(root.listAnimations().map((animation) => animation.getName())).toEqual([
      'Armature|Action',
    ]);
    expect(root.listAnimations()[0].listChannels().length).toBeGreaterThan(0);
  });

  it('warns for each texture the spider names that is not in the upload (absolute D:\\ paths)', async () => {
    const source = await load('binary/spider.fbx');
    expect(source.document.getRoot().listTextures()).toEqual([]);
    expect([...source.warnings].sort()).toEqual(
      ['SpiderTex.jpg', 'drkwood2.jpg', 'engineflare1.jpg', 'wal67ar_small.jpg']
        .map((name) => `spider.fbx: texture "${name}" is not found in the upload`)
        .sort(),
    );
  });

  it('finds the spider’s textures by base name when they are uploaded beside it', async () => {
    const dir = await temporaryFolder();
    await copyFile(join(FBX, 'binary/spider.fbx'), join(dir, 'spider.fbx'));
    for (const name of ['SpiderTex.jpg', 'drkwood2.jpg', 'engineflare1.jpg', 'wal67ar_small.jpg']) {
      await copyFile(join(FIXTURES, 'mesh/obj/spider', name), join(dir, name));
    }
    const source = await loadFbx(meshLoadInput(join(dir, 'spider.fbx'), 'fbx'));
    expect(source.warnings).toEqual([]);
    expect(source.document.getRoot().listTextures()).toHaveLength(4);
  });

  it('reads box.fbx without the colour and UV layers it names but lacks, and says so', async () => {
    const source = await load('binary/box.fbx');
    expect(source.warnings).toEqual([
      'box.fbx: LayerElementColor layers that lack their data or index were dropped',
      'box.fbx: LayerElementUV layers that lack their data or index were dropped',
    ]);
  });

  it('refuses FBX 6.1 (binary and ASCII) with MESH_UNSUPPORTED', async () => {
    const binary = Buffer.alloc(64);
    binary.write('Kaydara FBX Binary  \0\x1a\0', 0, 'latin1');
    binary.writeUInt32LE(6100, 23);
    const ascii =
      '; FBX 6.1.0 project file\nFBXHeaderExtension:  {\n\tFBXHeaderVersion: 1003\n\tFBXVersion: 6100\n}\n';
    for (const bytes of [binary, Buffer.from(ascii)]) {
      const input = await meshLoadInputOf(bytes, 'old.fbx', 'fbx');
      await expect(loadFbx(input)).rejects.toMatchObject({
        code: 'MESH_UNSUPPORTED',
        message: 'old.fbx: FBX 6.1 files are not read; re-export as FBX 2013 or later (7.x)',
      });
    }
  });

  it.each(FILES)('fails cleanly on the first half of %s', async (file) => {
    const bytes = await readFile(join(FBX, file));
    const input = await meshLoadInputOf(bytes.subarray(0, bytes.length >> 1), 'half.fbx', 'fbx');
    await expect(loadFbx(input)).rejects.toMatchObject({
      code: expect.stringMatching(/^MESH_(PARSE_FAILED|EMPTY)$/),
      message: expect.stringMatching(/^half\.fbx /),
    });
  });

  it.each([1, 2, 3])('fails MESH_PARSE_FAILED on random bytes (seed %i)', async (seed) => {
    const input = await meshLoadInputOf(seededBytes(seed, 4096), 'random.fbx', 'fbx');
    await expect(loadFbx(input)).rejects.toMatchObject({
      code: 'MESH_PARSE_FAILED',
      message:
        'random.fbx is not a readable FBX file: it is neither binary FBX ("Kaydara FBX Binary") nor ASCII FBX',
    });
  });

  it.each([1, 2])(
    'fails MESH_PARSE_FAILED on a binary FBX header over random bytes (seed %i)',
    async (seed) => {
      const header = Buffer.alloc(27);
      header.write('Kaydara FBX Binary  \0\x1a\0', 0, 'latin1');
      header.writeUInt32LE(7400, 23);
      const input = await meshLoadInputOf(
        Buffer.concat([header, seededBytes(seed, 4096)]),
        'noise.fbx',
        'fbx',
      );
      await expect(loadFbx(input)).rejects.toMatchObject({
        code: 'MESH_PARSE_FAILED',
        message: expect.stringMatching(/^noise\.fbx is not a readable FBX file: /),
      });
    },
  );
});
