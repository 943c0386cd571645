import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from '../../test/support/fixtures';
import type { FileFormat } from '../processing/sniff/file-formats';
import { readFileReferences } from './file-references';

describe('readFileReferences', () => {
  let folder: string;
  beforeAll(() => (folder = mkdtempSync(join(tmpdir(), 'kiln-references-'))));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  const write = (name: string, bytes: Buffer | string) => {
    const path = join(folder, name);
    writeFileSync(path, bytes);
    return path;
  };
  const read = (path: string, format: FileFormat, wholeMaxBytes?: number) =>
    readFileReferences(
      path,
      format,
      readFileSync(path).length,
      wholeMaxBytes === undefined ? undefined : { wholeMaxBytes },
    );

  it.each([
    ['mesh/obj/spider/spider.obj', 'obj', ['spider.mtl']],
    [
      'mesh/obj/spider/spider.mtl',
      'mtl',
      [
        'wal67ar_small.jpg',
        'wal69ar_small.jpg',
        'SpiderTex.jpg',
        'drkwood2.jpg',
        'engineflare1.jpg',
      ].map((name) => `.\\${name}`),
    ],
    ['mesh/gltf/AnimatedMorphCube/AnimatedMorphCube.gltf', 'gltf', ['AnimatedMorphCube.bin']],
    ['mesh/dae/duck/duck.dae', 'dae', ['./duckCM.tga', 'file2']],
  ] as const)(
    'reads what %s (%s) references, whole or in excerpts alike',
    async (name, format, expected) => {
      const path = join(FIXTURES, name);
      expect(await read(path, format)).toEqual(expected);
      expect(await read(path, format, 0)).toEqual(expected);
    },
  );

  it('reads the textures of a binary FBX in excerpts as it does whole', async () => {
    const path = join(FIXTURES, 'mesh/fbx/binary/spider.fbx');
    const whole = await read(path, 'fbx');
    expect(whole).toContain('D:\\projects\\assimp_int\\test\\models\\OBJ\\drkwood2.jpg');
    expect((await read(path, 'fbx', 0))?.sort()).toEqual(whole?.sort());
  });

  it('finds an mtllib deep in a big OBJ, past several read chunks, even across a chunk boundary', async () => {
    const filler = 'v 0.000000 0.000000 0.000000\n'.repeat(40_000); // 1.16 MB, past the 1 MiB chunk
    for (const shift of [0, 1, 7, 5000]) {
      const path = write(
        `big${shift}.obj`,
        `${'#'.repeat(shift)}\n${filler}mtllib deep.mtl\n${filler}mtllib last.mtl`,
      );
      expect(await read(path, 'obj', 1024)).toEqual(['deep.mtl', 'last.mtl']);
    }
  });

  it('takes no URI from an excerpt of a data: URI cut short', async () => {
    const data = `data:application/octet-stream;base64,${'A'.repeat(20_000)}`;
    const gltf = JSON.stringify({
      asset: { version: '2.0' },
      buffers: [{ uri: data }],
      images: [{ uri: 'wood.png' }],
    });
    expect(await read(write('big.gltf', gltf), 'gltf', 0)).toEqual(['wood.png']);
  });

  it('reads nothing for formats that name no other file', async () => {
    const path = join(FIXTURES, 'mesh/gltf/Box.glb');
    expect(await read(path, 'glb')).toBeUndefined();
    expect(await read(path, 'png')).toBeUndefined();
  });
});
