import { Document } from '@gltf-transform/core';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FIXTURES } from '../../../test/support/fixtures';
import { meshIO } from './mesh-io';
import { describeValidatorErrors, validateModel } from './mesh-validate';

// gltf-transform lives in Node's realm (see jest.config.js), where jest's typed arrays are other classes.

/** One triangle whose indices are `indices` (over three vertices). */
function triangle(indices: number[]): Document {
  const document = new Document();
  const buffer = document.createBuffer();
  const primitive = document
    .createPrimitive()
    .setAttribute(
      'POSITION',
      document
        .createAccessor()
        .setType('VEC3')
        .setArray(new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]))
        .setBuffer(buffer),
    )
    .setIndices(
      document
        .createAccessor()
        .setType('SCALAR')
        .setArray(new Uint16Array(indices))
        .setBuffer(buffer),
    );
  document
    .createScene()
    .addChild(document.createNode().setMesh(document.createMesh().addPrimitive(primitive)));
  document.getRoot().setDefaultScene(document.getRoot().listScenes()[0]);
  return document;
}

describe('validateModel', () => {
  it('passes a GLB with a triangle, finite bounds and no validator error', async () => {
    const document = triangle([0, 1, 2]);
    await expect(
      validateModel(await (await meshIO()).writeBinary(document), document),
    ).resolves.toBeUndefined();
  });

  it('passes a fixture GLB whose only validator findings are warnings and infos', async () => {
    const glb = new Uint8Array(await readFile(join(FIXTURES, 'mesh/gltf/VET.glb')));
    await expect(
      validateModel(glb, await (await meshIO()).readBinary(glb)),
    ).resolves.toBeUndefined();
  });

  it('fails a GLB the validator finds errors in as MESH_INVALID, quoting its first errors', async () => {
    const document = triangle([0, 1, 7]);
    await expect(
      validateModel(await (await meshIO()).writeBinary(document), document),
    ).rejects.toMatchObject({
      code: 'MESH_INVALID',
      message: expect.stringContaining(
        'failed the Khronos glTF validator (a bug in Kiln; please report it with the file): ACCESSOR_INDEX_OOB at /meshes/0/primitives/0/indices: Indices accessor element at index 2 has value 7 that is greater than the maximum vertex index available (2).',
      ) as string,
    });
  });

  it('fails a model with no node in its scene as MESH_EMPTY', async () => {
    const document = triangle([0, 1, 2]);
    document.getRoot().listNodes()[0].dispose();
    await expect(
      validateModel(await (await meshIO()).writeBinary(document), document),
    ).rejects.toMatchObject({
      code: 'MESH_EMPTY',
      message: expect.stringContaining('No node of the model') as string,
    });
  });
});

describe('describeValidatorErrors', () => {
  it('lists the first errors only, with their pointers, and counts the rest', () => {
    const error = (n: number) => ({
      code: `E${n}`,
      message: `bad ${n}.`,
      severity: 0,
      pointer: `/nodes/${n}`,
    });
    expect(
      describeValidatorErrors([
        error(1),
        { code: 'W', message: 'meh', severity: 1 },
        error(2),
        error(3),
        error(4),
        error(5),
      ]),
    ).toBe('E1 at /nodes/1: bad 1.; E2 at /nodes/2: bad 2.; E3 at /nodes/3: bad 3.; and 2 more');
  });
});
