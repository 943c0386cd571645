import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FIXTURES } from '../../../test/support/fixtures';
import { meshIO } from './mesh-io';

describe('meshIO', () => {
  it('reads a GLB and writes it back with the same meshes, one reader per thread', async () => {
    const io = await meshIO();
    expect(await meshIO()).toBe(io);
    const document = await io.readBinary(
      await readFile(join(FIXTURES, 'mesh/gltf/BoxTextured.glb')),
    );
    const again = await io.readBinary(await io.writeBinary(document));
    expect(
      again
        .getRoot()
        .listMeshes()
        .map((mesh) => mesh.listPrimitives().length),
    ).toEqual([1]);
    expect(again.getRoot().listTextures()).toHaveLength(1);
  });
});
