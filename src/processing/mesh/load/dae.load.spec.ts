import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getBounds } from '@gltf-transform/core';
import { FIXTURES } from '../../../../test/support/fixtures';
import {
  meshLoadInput,
  meshLoadInputOf,
  seededBytes,
  triangleCount,
  removeTemporaryFolders,
  temporaryFolder,
} from '../../../../test/support/mesh-load-input';
import { loadDae } from './dae.load';

const DAE = join(FIXTURES, 'mesh/dae');

describe('loadDae', () => {
  afterAll(removeTemporaryFolders);

  // Triangles: Σ (vcount − 2) over each <polylist>.
  it.each([
    ['duck/duck.dae', 4212],
    ['sphere.dae', 760],
  ])('reads %s with %i triangles, in metres from its centimetres', async (file, triangles) => {
    const source = await loadDae(meshLoadInput(join(DAE, file), 'dae'));
    expect(triangleCount(source.document)).toBe(triangles);
    expect(source).toMatchObject({
      format: 'dae',
      formatVersion: 'COLLADA 1.4.1',
      sourceUpAxis: 'Y',
      sourceUnitMetres: 0.01,
    });
  });

  it('embeds the duck’s TGA texture as PNG, with no warning', async () => {
    const source = await loadDae(meshLoadInput(join(DAE, 'duck/duck.dae'), 'dae'));
    expect(source.warnings).toEqual([]);
    const textures = source.document.getRoot().listTextures();
    expect(textures.map((texture) => [texture.getMimeType(), texture.getSize()])).toEqual([
      ['image/png', [512, 512]],
    ]);
    const [material] = source.document.getRoot().listMaterials();
    expect(material.getBaseColorTexture()).toBe(textures[0]);
  });

  it('warns when the duck’s texture is not in the upload', async () => {
    const input = await meshLoadInputOf(
      await readFile(join(DAE, 'duck/duck.dae')),
      'duck.dae',
      'dae',
    );
    const source = await loadDae(input);
    expect(source.document.getRoot().listTextures()).toEqual([]);
    expect(source.warnings).toEqual([
      'duck.dae: texture "./duckCM.tga" is not found in the upload',
    ]);
  });

  it('turns a Z-up file Y-up: what was +Z tall is +Y tall', async () => {
    const yUp = await readFile(join(DAE, 'sphere.dae'), 'utf8');
    const dir = await temporaryFolder();
    // The sphere, squashed 2:1 along its file's Z, once declared Y-up and once Z-up.
    const squashed = yUp.replace(/<unit [^>]*\/>/, '<unit meter="1"/>');
    await writeFile(join(dir, 'z.dae'), squashed.replace('<up_axis>Y_UP', '<up_axis>Z_UP'));
    const y = await loadDae(meshLoadInput(join(DAE, 'sphere.dae'), 'dae'));
    const z = await loadDae(meshLoadInput(join(dir, 'z.dae'), 'dae'));
    expect(z.sourceUpAxis).toBe('Z');
    const yBox = getBounds(y.document.getRoot().listScenes()[0]);
    const zBox = getBounds(z.document.getRoot().listScenes()[0]);
    // Y-up: x, y, z as written (×0.01). Z-up: file z becomes y, file y becomes −z.
    expect(zBox.max[1]).toBeCloseTo(yBox.max[2] * 100, 3);
    expect(zBox.min[2]).toBeCloseTo(-yBox.max[1] * 100, 3);
    expect(zBox.max[0]).toBeCloseTo(yBox.max[0] * 100, 3);
  });

  it('fails MESH_PARSE_FAILED on an array whose count lies (box_nested_animation_4286.dae)', async () => {
    await expect(
      loadDae(meshLoadInput(join(FIXTURES, 'malformed/box_nested_animation_4286.dae'), 'dae')),
    ).rejects.toMatchObject({
      code: 'MESH_PARSE_FAILED',
      message:
        'box_nested_animation_4286.dae is not a readable COLLADA file: <float_array id="Cube-mesh-positions-array"> states 3 values but holds 24',
    });
  });

  it.each(['duck/duck.dae', 'sphere.dae'])(
    'fails MESH_PARSE_FAILED on the first half of %s',
    async (file) => {
      const bytes = await readFile(join(DAE, file));
      const input = await meshLoadInputOf(bytes.subarray(0, bytes.length >> 1), 'half.dae', 'dae');
      await expect(loadDae(input)).rejects.toMatchObject({
        code: 'MESH_PARSE_FAILED',
        message: expect.stringMatching(/^half\.dae is not a readable COLLADA file: /),
      });
    },
  );

  it.each([1, 2, 3])('fails MESH_PARSE_FAILED on random bytes (seed %i)', async (seed) => {
    const input = await meshLoadInputOf(seededBytes(seed, 4096), 'random.dae', 'dae');
    await expect(loadDae(input)).rejects.toMatchObject({
      code: 'MESH_PARSE_FAILED',
      message: 'random.dae is not a readable COLLADA file: it is not XML with a <COLLADA> root',
    });
  });

  it('fails MESH_EMPTY on a COLLADA file whose scene instances no geometry', async () => {
    const sphere = await readFile(join(DAE, 'sphere.dae'), 'utf8');
    const input = await meshLoadInputOf(
      sphere.replace(/<instance_geometry[\s\S]*?<\/instance_geometry>/g, ''),
      'nothing.dae',
      'dae',
    );
    await expect(loadDae(input)).rejects.toMatchObject({
      code: 'MESH_EMPTY',
      message: 'nothing.dae has nothing to show: it holds no triangles',
    });
  });
});
