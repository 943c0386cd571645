import { join } from 'node:path';
import { FIXTURES } from '../../../../test/support/fixtures';
import { meshLoadInput } from '../../../../test/support/mesh-load-input';
import { meshIO } from '../mesh-io';
import { loadDae } from './dae.load';
import { loadFbx } from './fbx.load';
import type { MeshFormat, MeshLoadInput, MeshSource } from './mesh-source.types';
import { loadObj } from './obj.load';
import { loadPly } from './ply.load';
import { loadStl } from './stl.load';

interface ValidatorMessage {
  code: string;
  message: string;
  severity: number;
  pointer?: string;
}
// gltf-validator ships no types; this is the one call the spec makes.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { validateBytes } = require('gltf-validator') as {
  validateBytes(
    bytes: Uint8Array,
    options?: { maxIssues?: number },
  ): Promise<{ issues: { messages: ValidatorMessage[] } }>;
};

const LOADERS: Record<string, (input: MeshLoadInput) => Promise<MeshSource>> = {
  obj: loadObj,
  fbx: loadFbx,
  dae: loadDae,
  stl: loadStl,
  ply: loadPly,
};

const FILES = [
  'obj/box.obj',
  'obj/cube_usemtl.obj',
  'obj/cube_with_vertexcolors.obj',
  'obj/WusonOBJ.obj',
  'obj/spider/spider.obj',
  'fbx/ascii/box_embedded_texture.fbx',
  'fbx/ascii/cubes_with_names.fbx',
  'fbx/ascii/maxPbrMaterial_metalRough.fbx',
  'fbx/binary/Megaphone_01_Lowpoly.fbx',
  'fbx/binary/box.fbx',
  'fbx/binary/huesitos.fbx',
  'fbx/binary/phong_cube.fbx',
  'fbx/binary/spider.fbx',
  'dae/duck/duck.dae',
  'dae/sphere.dae',
  'stl/Spider_binary.stl',
  'stl/Spider_ascii.stl',
  'stl/sphereWithHole.stl',
  'stl/suzanne.stl',
  'ply/colors.ply',
  'ply/cube_binary.ply',
  'ply/cube_uv.ply',
  'ply/float-color.ply',
];

describe('every loader’s document, written as GLB', () => {
  it.each(FILES)('passes the Khronos glTF validator with no error: %s', async (file) => {
    const format = file.split('/')[0] as MeshFormat;
    const source = await LOADERS[format](meshLoadInput(join(FIXTURES, 'mesh', file), format));
    const glb = await (await meshIO()).writeBinary(source.document);
    const report = await validateBytes(glb, { maxIssues: 20 });
    const errors = report.issues.messages
      .filter((message) => message.severity === 0)
      .map((message) => `${message.code} ${message.pointer ?? ''}: ${message.message}`);
    expect(errors).toEqual([]);
  });
});
