import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES } from '../../../test/support/fixtures';
import {
  daeImageFiles,
  fbxTextureFiles,
  gltfReferences,
  mtlTextureFiles,
  objMaterialLibraries,
} from './mesh-references';

const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const text = (name: string) => fixture(name).toString('utf8');

describe('objMaterialLibraries', () => {
  it('reads the mtllib of the spider and of the cube fixtures', () => {
    expect(objMaterialLibraries(text('mesh/obj/spider/spider.obj'))).toEqual(['spider.mtl']);
    expect(objMaterialLibraries(text('mesh/obj/cube_usemtl.obj'))).toEqual(['cube_usemtl.mtl']);
    expect(objMaterialLibraries(text('mesh/obj/box.obj'))).toEqual([]);
  });

  it('keeps a name with spaces whole and also each of several names, from every mtllib line', () => {
    const obj = 'mtllib a.mtl b.mtl\r\nv 1 2 3\n  mtllib  my model.mtl \nusemtl x\n# mtllib no.mtl';
    expect(objMaterialLibraries(obj)).toEqual([
      'a.mtl b.mtl',
      'a.mtl',
      'b.mtl',
      'my model.mtl',
      'my',
      'model.mtl',
    ]);
  });
});

describe('mtlTextureFiles', () => {
  it('reads the five textures of the spider, backslash paths as written', () => {
    expect(mtlTextureFiles(text('mesh/obj/spider/spider.mtl'))).toEqual([
      '.\\wal67ar_small.jpg',
      '.\\wal69ar_small.jpg',
      '.\\SpiderTex.jpg',
      '.\\drkwood2.jpg',
      '.\\engineflare1.jpg',
    ]);
  });

  it('skips the options of a texture statement, with their values, and keeps names with spaces', () => {
    const mtl = [
      'newmtl a',
      'map_Kd -o 0.5 0.5 -s 2 -blendu off textures/wood grain.png',
      'bump -bm 0.5 bump.png',
      'map_Bump -imfchan l -bm 1 Normal.TGA',
      'norm normal.png',
      'disp -mm 0 1 height.exr',
      'map_Ks -t 0.1 spec.jpg',
      'decal decal.png',
      'refl -type sphere sky.hdr',
      'map_Pr rough.png',
      'Kd 1 1 1',
      'map_d',
    ].join('\n');
    expect(mtlTextureFiles(mtl)).toEqual([
      'textures/wood grain.png',
      'bump.png',
      'Normal.TGA',
      'normal.png',
      'height.exr',
      'spec.jpg',
      'decal.png',
      'sky.hdr',
      'rough.png',
    ]);
  });

  it('reads a cube material with no texture as none', () => {
    expect(mtlTextureFiles(text('mesh/obj/cube_usemtl.mtl'))).toEqual([]);
  });
});

describe('gltfReferences', () => {
  it('reads the buffer and the images of TextureTransformTest', () => {
    expect(gltfReferences(text('mesh/gltf/TextureTransform/TextureTransformTest.gltf'))).toEqual([
      'TextureTransformTest.bin',
      'UV.png',
      'Arrow.png',
      'Correct.png',
      'NotSupported.png',
      'Error.png',
    ]);
  });

  it('leaves out data: URIs (a glTF 1.0 with everything embedded references nothing)', () => {
    expect(gltfReferences(text('mesh/gltf/BoxTextured-embedded.gltf'))).toEqual([]);
  });

  it('percent-decodes URIs and drops their query and fragment', () => {
    const gltf = JSON.stringify({
      asset: { version: '2.0' },
      buffers: [{ uri: 'my%20mesh.bin?v=2' }, { byteLength: 4 }],
      images: [{ uri: 'tex/%E6%9C%A8.png#x' }, { bufferView: 0 }, { uri: 'bad%zz.png' }],
    });
    expect(gltfReferences(gltf)).toEqual(['my mesh.bin', 'tex/木.png', 'bad%zz.png']);
  });

  it('reads glTF 1.0 buffers and images kept in objects by id', () => {
    const gltf = JSON.stringify({
      buffers: { box: { uri: 'box.bin' } },
      images: { wood: { uri: 'wood.jpg' } },
    });
    expect(gltfReferences(gltf)).toEqual(['box.bin', 'wood.jpg']);
  });

  it('finds the "uri" strings of JSON that does not parse', () => {
    const broken =
      '{"asset":{"version":"2.0"},"buffers":[{"uri":"a\\\\b.bin"}],"images":[{"uri":"c.png"';
    expect(gltfReferences(broken)).toEqual(['a\\b.bin', 'c.png']);
  });

  it('reads the buffer and image of the malformed glTF files (grouping does not judge them)', () => {
    expect(gltfReferences(text('malformed/wrongTypes/badArray.gltf'))).toEqual([
      'BoxTextured0.bin',
      'CesiumLogoFlat.png',
    ]);
  });
});

describe('daeImageFiles', () => {
  it('reads the texture of the duck; the init_from naming an image id is kept and matches no file', () => {
    expect(daeImageFiles(text('mesh/dae/duck/duck.dae'))).toEqual(['./duckCM.tga', 'file2']);
  });

  it('reads COLLADA 1.5 refs, drops file:// and decodes entities and percent-escapes', () => {
    const dae = [
      '<image id="a"><init_from><ref>file:///C:/maps/Wood%20Grain.png</ref></init_from></image>',
      '<image id="b"><init_from>\n  textures/R&amp;D.jpg\n</init_from></image>',
    ].join('\n');
    expect(daeImageFiles(dae)).toEqual(['C:/maps/Wood Grain.png', 'textures/R&D.jpg']);
  });
});

describe('fbxTextureFiles', () => {
  it('reads the texture paths of the binary spider, absolute Windows paths as written', () => {
    const names = fbxTextureFiles(fixture('mesh/fbx/binary/spider.fbx'));
    expect(names).toEqual(
      expect.arrayContaining([
        'D:\\projects\\assimp_int\\test\\models\\OBJ\\drkwood2.jpg',
        'D:\\projects\\assimp_int\\test\\models\\OBJ\\wal67ar_small.jpg',
        'D:\\projects\\assimp_int\\test\\models\\OBJ\\engineflare1.jpg',
      ]),
    );
    // Never the property names of the header's "Original|FileName" string.
    expect(names).not.toContain('KString');
  });

  it('reads RelativeFilename and FileName of an ASCII FBX, not the header\'s "Original|FileName"', () => {
    expect(fbxTextureFiles(fixture('mesh/fbx/ascii/maxPbrMaterial_metalRough.fbx'))).toEqual(
      expect.arrayContaining(['Textures\\albedo.png', 'Textures\\opacity.png']),
    );
    const names = fbxTextureFiles(fixture('mesh/fbx/ascii/box_embedded_texture.fbx'));
    expect(names.sort()).toEqual([
      '..\\..\\..\\Desktop\\uv_test.png',
      'C:\\Users\\HTC Vive 1\\Desktop\\uv_test.png',
    ]);
  });

  it('reads nothing from bytes cut inside a binary string property', () => {
    const node = Buffer.concat([
      Buffer.from([8]),
      Buffer.from('FileNameS', 'latin1'),
      Buffer.from([200, 0, 0, 0]),
      Buffer.from('short'),
    ]);
    expect(fbxTextureFiles(node)).toEqual([]);
    expect(fbxTextureFiles(node.subarray(0, 11))).toEqual([]);
  });
});
