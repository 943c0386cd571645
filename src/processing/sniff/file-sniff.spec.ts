import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join, relative } from 'node:path';
import { FIXTURES } from '../../../test/support/fixtures';
import { writeZip } from '../../../test/support/zip-writer';
import {
  SNIFF_HEAD_BYTES,
  SNIFF_TAIL_BYTES,
  isPlausibleTga,
  readSniffInput,
  sniffFile,
} from './file-sniff';
const MODEL_EXTENSIONS = new Set([
  '.obj',
  '.mtl',
  '.fbx',
  '.gltf',
  '.glb',
  '.bin',
  '.stl',
  '.ply',
  '.dae',
]);

function head(path: string): Buffer {
  return readFileSync(path).subarray(0, SNIFF_HEAD_BYTES);
}

/** The kind and format `sniffFile` decides from a head alone, as uploads used to ask it. */
function sniffKind(bytes: Buffer, filename: string) {
  const sniffed = sniffFile({ head: bytes, filename });
  return sniffed && { kind: sniffed.kind, format: sniffed.format };
}

function filesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const relativeName = (path: string) => relative(FIXTURES, path);

describe('sniffFile', () => {
  it.each([
    ['CesiumLogoFlat.png', 'png'],
    ['Collada_Sample.jpg', 'jpeg'],
    ['IndoorHDRI003_1K-HDR.exr', 'exr'],
    ['UnitTests_runtime_float.tga', 'tga'],
    ['duckCM.tga', 'tga'],
  ])('knows image/%s as an image of format %s', (name, format) => {
    const path = join(FIXTURES, 'image', name);
    expect(sniffKind(head(path), name)).toEqual({ kind: 'image', format });
  });

  it('covers every fixture in image/', () => {
    expect(readdirSync(join(FIXTURES, 'image')).sort()).toEqual([
      'CesiumLogoFlat.png',
      'Collada_Sample.jpg',
      'IndoorHDRI003_1K-HDR.exr',
      'UnitTests_runtime_float.tga',
      'duckCM.tga',
    ]);
  });

  /** Every model file among the fixtures, and the format its bytes are. */
  const MODEL_FIXTURES: Record<string, string> = {
    'mesh/dae/duck/duck.dae': 'dae',
    'mesh/dae/sphere.dae': 'dae',
    'mesh/fbx/ascii/box_embedded_texture.fbx': 'fbx',
    'mesh/fbx/ascii/cubes_with_names.fbx': 'fbx',
    'mesh/fbx/ascii/maxPbrMaterial_metalRough.fbx': 'fbx',
    'mesh/fbx/binary/Megaphone_01_Lowpoly.fbx': 'fbx',
    'mesh/fbx/binary/box.fbx': 'fbx',
    'mesh/fbx/binary/huesitos.fbx': 'fbx',
    'mesh/fbx/binary/phong_cube.fbx': 'fbx',
    'mesh/fbx/binary/spider.fbx': 'fbx',
    'mesh/gltf/AnimatedMorphCube/AnimatedMorphCube.bin': 'bin',
    'mesh/gltf/AnimatedMorphCube/AnimatedMorphCube.gltf': 'gltf',
    'mesh/gltf/Box.glb': 'glb',
    'mesh/gltf/BoxTextured-embedded.gltf': 'gltf',
    'mesh/gltf/BoxTextured.glb': 'glb',
    'mesh/gltf/TextureTransform/TextureTransformTest.bin': 'bin',
    'mesh/gltf/TextureTransform/TextureTransformTest.gltf': 'gltf',
    'mesh/gltf/VET.glb': 'glb',
    'mesh/gltf/book f.glb': 'glb',
    'mesh/gltf/quad_skin.glb': 'glb',
    'mesh/obj/WusonOBJ.obj': 'obj',
    'mesh/obj/box.obj': 'obj',
    'mesh/obj/cube_usemtl.mtl': 'mtl',
    'mesh/obj/cube_usemtl.obj': 'obj',
    'mesh/obj/cube_with_vertexcolors.obj': 'obj',
    'mesh/obj/spider/spider.mtl': 'mtl',
    'mesh/obj/spider/spider.obj': 'obj',
    'mesh/ply/colors.ply': 'ply',
    'mesh/ply/cube_binary.ply': 'ply',
    'mesh/ply/cube_uv.ply': 'ply',
    'mesh/ply/float-color.ply': 'ply',
    'mesh/stl/Spider_ascii.stl': 'stl',
    'mesh/stl/Spider_binary.stl': 'stl',
    'mesh/stl/sphereWithHole.stl': 'stl',
    'mesh/stl/suzanne.stl': 'stl',
  };
  const KIND_OF: Record<string, string | null> = { mtl: null, bin: null };

  it.each(Object.entries(MODEL_FIXTURES))(
    'knows the model file %s, from its bytes, as %s',
    async (name, format) => {
      const sniffed = sniffFile(await readSniffInput(join(FIXTURES, name), basename(name)));
      expect(sniffed && { kind: sniffed.kind, format: sniffed.format }).toEqual({
        kind: format in KIND_OF ? KIND_OF[format] : 'mesh',
        format,
      });
    },
  );

  it('lists every model file of the fixtures', () => {
    const modelFiles = filesUnder(join(FIXTURES, 'mesh')).filter((path) =>
      MODEL_EXTENSIONS.has(extname(path).toLowerCase()),
    );
    expect(modelFiles.map(relativeName).sort()).toEqual(Object.keys(MODEL_FIXTURES).sort());
  });

  const textures = filesUnder(join(FIXTURES, 'mesh')).filter((path) =>
    ['.png', '.jpg', '.tga'].includes(extname(path)),
  );
  it.each(textures.map(relativeName))(
    'takes the texture %s, uploaded alone, for an image',
    (name) => {
      const format = { '.png': 'png', '.jpg': 'jpeg', '.tga': 'tga' }[extname(name)];
      expect(sniffKind(head(join(FIXTURES, name)), basename(name))).toEqual({
        kind: 'image',
        format,
      });
    },
  );

  /**
   * The malformed corpus is refused by processing, not by the sniffer: its files are what they
   * claim to be on the surface. Empty files are nothing.
   */
  const MALFORMED: Record<string, string | undefined> = {
    'malformed/IndexOutOfRange/IndexOutOfRange.bin': 'bin',
    'malformed/IndexOutOfRange/IndexOutOfRange.gltf': 'gltf',
    'malformed/MissingBin/BoxTextured.gltf': 'gltf',
    'malformed/RecursiveNodes.gltf': 'gltf',
    'malformed/box_nested_animation_4286.dae': 'dae',
    'malformed/crash-30d6d0f7.ply': 'ply',
    'malformed/empty.obj': undefined,
    'malformed/empty.ply': undefined,
    'malformed/malformed.obj': 'obj',
    'malformed/malformed2.obj': 'obj',
    'malformed/wrongTypes/BoxTextured0.bin': 'bin',
    'malformed/wrongTypes/CesiumLogoFlat.png': 'png',
    'malformed/wrongTypes/badArray.gltf': 'gltf',
    'malformed/wrongTypes/badNumber.gltf': 'gltf',
  };
  it.each(Object.entries(MALFORMED))(
    'takes the malformed file %s for what its surface says: %s',
    async (name, format) => {
      const sniffed = sniffFile(await readSniffInput(join(FIXTURES, name), basename(name)));
      expect(sniffed?.format).toBe(format);
    },
  );

  it('lists every file of the malformed corpus', () => {
    expect(filesUnder(join(FIXTURES, 'malformed')).map(relativeName).sort()).toEqual(
      Object.keys(MALFORMED).sort(),
    );
  });

  it('takes malformed/wrongTypes/CesiumLogoFlat.png for what its bytes are: a PNG (the glTF around it is the broken part)', () => {
    const path = join(FIXTURES, 'malformed/wrongTypes/CesiumLogoFlat.png');
    expect(sniffKind(head(path), 'CesiumLogoFlat.png')).toEqual({ kind: 'image', format: 'png' });
  });

  it.each(readdirSync(join(FIXTURES, 'substance')))(
    'knows the Substance archive %s, from its 7z bytes, as a substance asset',
    (name) => {
      const path = join(FIXTURES, 'substance', name);
      expect(sniffKind(head(path), name)).toEqual({ kind: 'substance', format: 'sbsar' });
      expect(sniffFile({ head: head(path), filename: 'renamed.bin' })?.format).toBe('sbsar');
    },
  );

  it('refuses a file that has only the first five bytes of the 7z magic', () => {
    expect(sniffKind(Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1d]), 'a.sbsar')).toBeUndefined();
  });

  it('refuses an empty file whatever its name', () => {
    for (const name of ['empty.png', 'empty.tga', 'empty.exr', 'empty'])
      expect(sniffKind(Buffer.alloc(0), name)).toBeUndefined();
  });

  it('refuses random bytes named .png', () => {
    const bytes = randomBytes(SNIFF_HEAD_BYTES);
    bytes[0] = 0x00; // never a JPEG/PNG/EXR first byte by chance
    expect(sniffKind(bytes, 'photo.png')).toBeUndefined();
  });

  it('trusts the bytes over the extension: a JPEG named .png is a JPEG, a PNG named .tga is a PNG', () => {
    expect(sniffKind(head(join(FIXTURES, 'image/Collada_Sample.jpg')), 'photo.png')).toEqual({
      kind: 'image',
      format: 'jpeg',
    });
    expect(sniffKind(head(join(FIXTURES, 'image/CesiumLogoFlat.png')), 'logo.tga')).toEqual({
      kind: 'image',
      format: 'png',
    });
    expect(sniffKind(head(join(FIXTURES, 'image/IndoorHDRI003_1K-HDR.exr')), 'room.hdr')).toEqual({
      kind: 'image',
      format: 'exr',
    });
  });

  it('takes a TGA only with the .tga extension (case-insensitive), since TGA has no magic number', () => {
    const tga = head(join(FIXTURES, 'image/duckCM.tga'));
    expect(sniffKind(tga, 'DUCK.TGA')).toEqual({ kind: 'image', format: 'tga' });
    expect(sniffKind(tga, 'duck.png')).toBeUndefined();
    expect(sniffKind(tga, 'duck')).toBeUndefined();
  });

  it('refuses a .tga whose header is implausible', () => {
    const tga = Buffer.from(head(join(FIXTURES, 'image/duckCM.tga')));
    const broken = (patch: (b: Buffer) => void) => {
      const copy = Buffer.from(tga);
      patch(copy);
      return sniffKind(copy, 'duck.tga');
    };
    expect(broken((b) => (b[1] = 2))).toBeUndefined(); // colour-map type
    expect(broken((b) => (b[2] = 4))).toBeUndefined(); // image type
    expect(broken((b) => (b[16] = 12))).toBeUndefined(); // bits per pixel
    expect(broken((b) => b.writeUInt16LE(0, 12))).toBeUndefined(); // width
    expect(broken((b) => b.writeUInt16LE(0, 14))).toBeUndefined(); // height
    expect(sniffKind(tga.subarray(0, 17), 'duck.tga')).toBeUndefined();
  });

  it.each([
    [
      'webp',
      Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x24, 0, 0, 0]), Buffer.from('WEBPVP8 ')]),
    ],
    ['tiff', Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0])],
    ['tiff', Buffer.from([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8])],
    ['gif', Buffer.from('GIF87a\x01\x00\x01\x00', 'latin1')],
    ['gif', Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1')],
    ['hdr', Buffer.from('#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 1 +X 1\n')],
    ['hdr', Buffer.from('#?RGBE\nFORMAT=32-bit_rle_rgbe\n\n-Y 1 +X 1\n')],
  ])('knows %s by its magic bytes', (format, bytes) => {
    expect(sniffKind(bytes, 'upload.bin')).toEqual({ kind: 'image', format });
  });

  const ftyp = (major: string, ...compatible: string[]) => {
    const box = Buffer.alloc(16 + 4 * compatible.length);
    box.writeUInt32BE(box.length, 0);
    box.write('ftyp', 4, 'latin1');
    box.write(major, 8, 'latin1');
    compatible.forEach((brand, i) => box.write(brand, 16 + 4 * i, 'latin1'));
    return Buffer.concat([box, Buffer.alloc(8)]);
  };

  it('knows AVIF by the avif or avis brand of its ftyp box, major or compatible', () => {
    expect(sniffKind(ftyp('avif', 'mif1', 'miaf'), 'a.avif')).toEqual({
      kind: 'image',
      format: 'avif',
    });
    expect(sniffKind(ftyp('avis', 'msf1'), 'a.avif')).toEqual({ kind: 'image', format: 'avif' });
    expect(sniffKind(ftyp('mif1', 'miaf', 'avif'), 'a.avif')).toEqual({
      kind: 'image',
      format: 'avif',
    });
  });

  it('refuses other ISO-BMFF files (HEIC, MP4)', () => {
    expect(sniffKind(ftyp('heic', 'mif1', 'heic'), 'a.heic')).toBeUndefined();
    expect(sniffKind(ftyp('isom', 'iso2', 'mp41'), 'a.avif')).toBeUndefined();
  });

  it('only looks at brands inside the ftyp box', () => {
    const bytes = ftyp('mif1', 'miaf');
    bytes.write('avif', 16 + 8, 'latin1'); // after the box's end
    expect(sniffKind(bytes, 'a.avif')).toBeUndefined();
  });

  it.each([
    ['CesiumLogoFlat.png', 'image/png'],
    ['Collada_Sample.jpg', 'image/jpeg'],
    ['IndoorHDRI003_1K-HDR.exr', 'image/x-exr'],
    ['duckCM.tga', 'image/x-tga'],
  ])('gives image/%s the content type %s', (name, contentType) => {
    expect(sniffFile({ head: head(join(FIXTURES, 'image', name)), filename: name })).toMatchObject({
      contentType,
    });
  });

  it('gives Radiance HDR, WebP, TIFF, GIF and AVIF their registered content types', () => {
    const contentType = (bytes: Buffer) => sniffFile({ head: bytes, filename: 'x' })?.contentType;
    expect(contentType(Buffer.from('#?RADIANCE\n'))).toBe('image/vnd.radiance');
    expect(contentType(Buffer.from('RIFF\x24\0\0\0WEBPVP8 ', 'latin1'))).toBe('image/webp');
    expect(contentType(Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]))).toBe('image/tiff');
    expect(contentType(Buffer.from('GIF89a\x01\x00', 'latin1'))).toBe('image/gif');
    expect(contentType(ftyp('avif', 'mif1'))).toBe('image/avif');
  });
});

describe('sniffFile on models', () => {
  const fixture = (name: string) => readFileSync(join(FIXTURES, 'mesh', name));
  /** The whole file, as readSniffInput gives it: head and size. */
  const sniffBytes = (bytes: Buffer, filename: string) =>
    sniffFile({ head: bytes.subarray(0, SNIFF_HEAD_BYTES), filename, size: bytes.length })?.format;
  const text = (lines: string[]) => Buffer.from(lines.join('\n'));

  it('knows a binary STL whose header begins with "solid" by its size rule, not as ASCII', () => {
    const stl = Buffer.from(fixture('stl/suzanne.stl'));
    stl.write('solid Blender export', 0, 'latin1');
    expect(sniffBytes(stl, 'suzanne.stl')).toBe('stl');
    // The same bytes one byte short are neither: no facet text, and the size rule fails.
    expect(sniffBytes(stl.subarray(0, stl.length - 1), 'suzanne.stl')).toBeUndefined();
  });

  it('takes no file for a binary STL without its size (a head alone cannot tell)', () => {
    const stl = fixture('stl/suzanne.stl');
    expect(sniffFile({ head: stl.subarray(0, SNIFF_HEAD_BYTES), filename: 'a.stl' })).toBe(
      undefined,
    );
  });

  it('refuses a binary STL cut short, since only its size names it', () => {
    const stl = fixture('stl/Spider_binary.stl');
    expect(sniffBytes(stl.subarray(0, stl.length >> 1), 'Spider_binary.stl')).toBeUndefined();
  });

  it('knows an ASCII STL by "solid" and a facet, and an empty solid by its endsolid', () => {
    expect(sniffBytes(text(['solid cube', '  facet normal 0 0 1', '    outer loop']), 'a')).toBe(
      'stl',
    );
    expect(sniffBytes(text(['solid empty', 'endsolid empty']), 'a')).toBe('stl');
    expect(sniffBytes(text(['solid ground, as the saying goes']), 'a.stl')).toBeUndefined();
  });

  it('knows glTF JSON after a byte-order mark and whitespace, and with its keys sorted', () => {
    const gltf = '\n\t {\r\n "asset" : { "version": "2.0" }, "scenes": [] }';
    expect(
      sniffBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(gltf)]), 'a'),
    ).toBe('gltf');
    expect(sniffBytes(Buffer.from('{"accessors":[],"asset":{"version":"2.0"}}'), 'a')).toBe('gltf');
  });

  it('refuses JSON that is not glTF: another first key, or no "asset" in a whole file', () => {
    expect(sniffBytes(Buffer.from('{"name":"kiln","asset":{"version":"2.0"}}'), 'a.gltf')).toBe(
      undefined,
    );
    expect(sniffBytes(Buffer.from('{"scenes":[{"nodes":[0]}]}'), 'a.gltf')).toBeUndefined();
    expect(sniffBytes(Buffer.from('["asset"]'), 'a.gltf')).toBeUndefined();
  });

  it('knows a GLB by its magic and version 2 only', () => {
    const glb = Buffer.from(fixture('gltf/Box.glb'));
    expect(sniffBytes(glb, 'x')).toBe('glb');
    glb.writeUInt32LE(1, 4);
    expect(sniffBytes(glb, 'x.glb')).toBeUndefined();
  });

  it('knows COLLADA by its root element after a declaration and comments, and no other XML', () => {
    const dae = '<?xml version="1.0"?>\n<!-- exported -->\n<COLLADA version="1.4.1">';
    expect(sniffBytes(Buffer.from(dae), 'a')).toBe('dae');
    expect(sniffBytes(Buffer.from('<?xml version="1.0"?>\n<svg><COLLADA/></svg>'), 'a.dae')).toBe(
      undefined,
    );
  });

  it('knows PLY by "ply" then "format" on the next line, with LF or CRLF', () => {
    expect(sniffBytes(Buffer.from('ply\r\nformat ascii 1.0\r\nend_header\r\n'), 'a')).toBe('ply');
    expect(sniffBytes(Buffer.from('ply\nformat binary_big_endian 1.0\n'), 'a')).toBe('ply');
    expect(sniffBytes(Buffer.from('ply\ncomment no format\n'), 'a.ply')).toBeUndefined();
    expect(sniffBytes(Buffer.from('plywood is cheap\n'), 'a.ply')).toBeUndefined();
  });

  it('knows an ASCII FBX by its header comment, or its FBXHeaderExtension after comments', () => {
    expect(sniffBytes(Buffer.from('; FBX 7.4.0 project file\n'), 'a')).toBe('fbx');
    expect(sniffBytes(text(['; exported', '', 'FBXHeaderExtension:  {', '}']), 'a')).toBe('fbx');
    expect(sniffBytes(text(['Objects:  {', 'FBXHeaderExtension:  {']), 'a.fbx')).toBeUndefined();
  });

  it('knows OBJ by its first statements, comments and blank lines skipped', () => {
    expect(
      sniffBytes(
        text(['# made by hand', '', 'o box', 'v 1 2 3', 'vt .5 .5', 'f 1/1 2/2 3/3']),
        'a',
      ),
    ).toBe('obj');
    expect(sniffBytes(text(['mtllib box.mtl', 'usemtl red', 'vn -1e-3 0 1']), 'a')).toBe('obj');
  });

  it('refuses prose and other text named .obj: the words must be OBJ statements with their arguments', () => {
    expect(sniffBytes(text(['v is for vendetta', 'f']), 'a.obj')).toBeUndefined();
    expect(sniffBytes(text(['v 1 2 3', 'and then some prose']), 'a.obj')).toBeUndefined();
    expect(sniffBytes(text(['f one two three']), 'a.obj')).toBeUndefined();
    expect(sniffBytes(text(['# only a comment']), 'a.obj')).toBeUndefined();
    // Bare keywords carry nothing: a one-byte file that is "g" or "f" is not a model.
    for (const bare of ['g', 'o', 'f', 's', 'l', 'p', 'g\nf\no'])
      expect(sniffBytes(Buffer.from(bare), 'a.obj')).toBeUndefined();
  });

  it('judges a cut OBJ head without its last, half line', () => {
    const lines = ['v 1 2 3', 'v 4 5 6', 'f 1 2 3'];
    const obj = text([...lines, 'v 7 8 9x'.padEnd(SNIFF_HEAD_BYTES, '9')]);
    expect(sniffBytes(obj, 'a.obj')).toBe('obj');
  });

  it('knows MTL by a first statement "newmtl", as a file of no kind of its own', () => {
    const mtl = sniffFile({ head: text(['# materials', 'newmtl red', 'Kd 1 0 0']), filename: 'a' });
    expect(mtl).toEqual({ format: 'mtl', contentType: 'model/mtl', kind: null });
  });

  it('takes any .bin whose bytes are nothing else for a glTF buffer, of no kind of its own, but not an empty one', () => {
    const noise = randomBytes(1000);
    noise[0] = 0;
    expect(sniffFile({ head: noise, filename: 'Buffer.BIN', size: 1000 })).toEqual({
      format: 'bin',
      contentType: 'application/octet-stream',
      kind: null,
    });
    expect(sniffFile({ head: noise, filename: 'buffer.dat', size: 1000 })).toBeUndefined();
    expect(sniffFile({ head: Buffer.alloc(0), filename: 'buffer.bin', size: 0 })).toBeUndefined();
  });

  it('takes no random bytes, whatever their size and name, for a model', () => {
    const names = ['a.obj', 'a.stl', 'a.ply', 'a.gltf', 'a.glb', 'a.dae', 'a.fbx', 'a.mtl'];
    for (let round = 0; round < 200; round++) {
      const bytes = randomBytes(1 + ((round * 7919) % 9000));
      for (const name of names) expect(sniffBytes(bytes, name)).toBeUndefined();
    }
  });

  it.each([
    ['CesiumLogoFlat.png', 'png'],
    ['Collada_Sample.jpg', 'jpeg'],
    ['IndoorHDRI003_1K-HDR.exr', 'exr'],
    ['UnitTests_runtime_float.tga', undefined], // a TGA needs its own name
    ['duckCM.tga', undefined],
  ])('takes no image for a model whatever its name: %s named as a model is %s', (image, format) => {
    const bytes = readFileSync(join(FIXTURES, 'image', image));
    for (const name of ['a.obj', 'a.stl', 'a.ply', 'a.gltf', 'a.glb', 'a.dae', 'a.fbx', 'a.mtl'])
      expect(sniffBytes(bytes, name)).toBe(format);
  });
});

describe('sniffFile on zips', () => {
  const zip = writeZip([
    { name: 'textures/wood.png', data: readFileSync(join(FIXTURES, 'image/CesiumLogoFlat.png')) },
    { name: 'readme.txt', data: Buffer.from('hello') },
  ]);
  const ends = (bytes: Buffer, filename = 'upload.zip') => ({
    head: bytes.subarray(0, SNIFF_HEAD_BYTES),
    filename,
    tail: bytes.subarray(Math.max(0, bytes.length - SNIFF_TAIL_BYTES)),
  });

  it('knows a zip by its local file header and its end-of-central-directory record, as application/zip of no kind yet', () => {
    expect(sniffFile(ends(zip))).toEqual({
      format: 'zip',
      contentType: 'application/zip',
      kind: null,
    });
  });

  it('knows a zip whatever its name, and an empty zip (only the end record)', () => {
    expect(sniffFile(ends(zip, 'photo.png'))?.format).toBe('zip');
    expect(sniffFile(ends(writeZip([])))?.format).toBe('zip');
  });

  it('finds the end record behind a comment of any length', () => {
    expect(
      sniffFile(ends(writeZip([{ name: 'a', data: Buffer.from('a') }], 'c'.repeat(65535))))?.format,
    ).toBe('zip');
  });

  it('judges by the head alone when no tail is given', () => {
    expect(sniffFile({ head: zip.subarray(0, 4), filename: 'a.zip' })?.format).toBe('zip');
  });

  it('refuses a zip cut short (its end record lost), and bytes that only start like a zip', () => {
    expect(sniffFile(ends(zip.subarray(0, zip.length - 10)))).toBeUndefined();
    expect(
      sniffFile(ends(Buffer.concat([zip.subarray(0, 40), Buffer.alloc(200)]))),
    ).toBeUndefined();
    // An end record whose comment length does not reach the end of the file is not where a reader looks.
    expect(sniffFile(ends(Buffer.concat([zip, Buffer.from('trailing bytes')])))).toBeUndefined();
  });

  it('does not take a file for a zip because it contains an end record but does not start like one', () => {
    expect(sniffFile(ends(Buffer.concat([Buffer.from('MZ'), zip])))).toBeUndefined();
  });
});

describe('readSniffInput', () => {
  let folder: string;
  beforeAll(() => (folder = mkdtempSync(join(tmpdir(), 'kiln-sniff-'))));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('reads the head and the tail of a file, so a zip longer than the tail window is found', async () => {
    const big = writeZip([
      { name: 'noise.bin', data: randomBytes(3 * SNIFF_TAIL_BYTES), method: 'store' },
    ]);
    const path = join(folder, 'big.zip');
    writeFileSync(path, big);
    const input = await readSniffInput(path, 'big.zip');
    expect(input.head).toEqual(big.subarray(0, SNIFF_HEAD_BYTES));
    expect(input.tail).toEqual(big.subarray(big.length - SNIFF_TAIL_BYTES));
    expect(sniffFile(input)?.format).toBe('zip');
  });

  it('reads nothing when the caller kept the head and counted the bytes of a file that is no zip', async () => {
    const png = readFileSync(join(FIXTURES, 'image/CesiumLogoFlat.png'));
    const kept = { head: png.subarray(0, SNIFF_HEAD_BYTES), size: png.length };
    // No file at that path: a read would fail with ENOENT.
    const input = await readSniffInput(join(folder, 'never-written.png'), 'small.png', kept);
    expect(input).toEqual({ head: kept.head, filename: 'small.png', size: png.length });
    expect(sniffFile(input)?.format).toBe('png');
  });

  it("keeps a zip's head the caller has, and still reads its tail", async () => {
    const zip = writeZip([
      { name: 'noise.bin', data: randomBytes(3 * SNIFF_TAIL_BYTES), method: 'store' },
    ]);
    const path = join(folder, 'kept.zip');
    writeFileSync(path, zip);
    const kept = { head: zip.subarray(0, SNIFF_HEAD_BYTES), size: zip.length };
    const input = await readSniffInput(path, 'kept.zip', kept);
    expect(input.head).toBe(kept.head);
    expect(input.tail).toEqual(zip.subarray(zip.length - SNIFF_TAIL_BYTES));
    expect(sniffFile(input)?.format).toBe('zip');
  });
});

describe('isPlausibleTga', () => {
  it('accepts real TGA headers and rejects every other image magic', () => {
    expect(isPlausibleTga(readFileSync(join(FIXTURES, 'image/duckCM.tga')))).toBe(true);
    for (const name of ['CesiumLogoFlat.png', 'Collada_Sample.jpg', 'IndoorHDRI003_1K-HDR.exr'])
      expect(isPlausibleTga(readFileSync(join(FIXTURES, 'image', name)))).toBe(false);
  });
});
