import type { FileFormat } from '../../processing/sniff/file-formats';
import { groupUpload, type AssetGroup, type GroupableFile } from './asset-grouping';
import { ASSET_GROUPINGS } from './asset-groupings';
import { meshGrouping } from './mesh.grouping';

const file = (
  path: string,
  format: FileFormat | undefined,
  references?: string[],
): GroupableFile => ({ path, bytes: 100, format, ...(references && { references }) });

const SPIDER_TEXTURES = [
  'wal67ar_small.jpg',
  'wal69ar_small.jpg',
  'SpiderTex.jpg',
  'drkwood2.jpg',
  'engineflare1.jpg',
];
const spider = () => [
  file('spider.obj', 'obj', ['spider.mtl']),
  file(
    'spider.mtl',
    'mtl',
    SPIDER_TEXTURES.map((name) => `.\\${name}`),
  ),
  ...SPIDER_TEXTURES.map((name) => file(name, 'jpeg')),
];

const summary = (groups: readonly AssetGroup[]) =>
  groups.map((group) => ({
    kind: group.kind,
    primary: group.primary.path,
    files: group.files.map((one) => one.path),
  }));

/** The assets the shipped groupings make of loose files, or the outcome when refused. */
function assetsOf(...files: GroupableFile[]) {
  const outcome = groupUpload(
    files.map((one) => ({ file: one })),
    ASSET_GROUPINGS,
  );
  return outcome.ok ? summary(outcome.assets) : outcome;
}

describe('meshGrouping of loose files', () => {
  it('makes an .obj, its .mtl and the five textures the .mtl names one mesh asset, primary the .obj', () => {
    expect(assetsOf(...spider())).toEqual([
      {
        kind: 'mesh',
        primary: 'spider.obj',
        files: ['spider.obj', 'spider.mtl', ...SPIDER_TEXTURES],
      },
    ]);
  });

  it('leaves an image nothing references its own image asset, in request order', () => {
    expect(assetsOf(file('logo.png', 'png'), ...spider())).toEqual([
      { kind: 'image', primary: 'logo.png', files: ['logo.png'] },
      {
        kind: 'mesh',
        primary: 'spider.obj',
        files: ['spider.obj', 'spider.mtl', ...SPIDER_TEXTURES],
      },
    ]);
  });

  it('matches names case-insensitively, by base name, backslashes as folders', () => {
    expect(
      assetsOf(
        file('Box.OBJ', 'obj', ['MATERIALS\\Box.Mtl']),
        file('box.mtl', 'mtl', ['C:\\Users\\me\\maps\\WOOD.PNG', '../maps/Rough.jpg']),
        file('wood.png', 'png'),
        file('rough.JPG', 'jpeg'),
      ),
    ).toEqual([
      {
        kind: 'mesh',
        primary: 'Box.OBJ',
        files: ['Box.OBJ', 'box.mtl', 'wood.png', 'rough.JPG'],
      },
    ]);
  });

  it('prefers the file whose name has the exact case when two differ only in case', () => {
    const groups = meshGrouping.groupLoose([
      file('a.gltf', 'gltf', ['Tex.png']),
      file('tex.png', 'png'),
      file('Tex.png', 'png'),
    ]);
    expect(summary(groups)).toEqual([
      { kind: 'mesh', primary: 'a.gltf', files: ['a.gltf', 'Tex.png'] },
    ]);
  });

  it('makes a .gltf its .bin and images one asset; a data: URI never reaches here', () => {
    expect(
      assetsOf(
        file('UV.png', 'png'),
        file('TextureTransformTest.gltf', 'gltf', ['TextureTransformTest.bin', 'UV.png']),
        file('TextureTransformTest.bin', 'bin'),
      ),
    ).toEqual([
      {
        kind: 'mesh',
        primary: 'TextureTransformTest.gltf',
        files: ['UV.png', 'TextureTransformTest.gltf', 'TextureTransformTest.bin'],
      },
    ]);
  });

  it('takes a referenced file whatever its format, but never another model', () => {
    expect(
      assetsOf(
        file('a.dae', 'dae', ['b.obj', 'bump.dds']),
        file('bump.dds', undefined),
        file('b.obj', 'obj'),
      ),
    ).toEqual([
      { kind: 'mesh', primary: 'a.dae', files: ['a.dae', 'bump.dds'] },
      { kind: 'mesh', primary: 'b.obj', files: ['b.obj'] },
    ]);
  });

  it('gives a file two models reference to the first of them in the request', () => {
    expect(
      assetsOf(
        file('a.obj', 'obj', ['shared.mtl']),
        file('b.obj', 'obj', ['shared.mtl']),
        file('shared.mtl', 'mtl', []),
      ),
    ).toEqual([
      { kind: 'mesh', primary: 'a.obj', files: ['a.obj', 'shared.mtl'] },
      { kind: 'mesh', primary: 'b.obj', files: ['b.obj'] },
    ]);
  });

  it('makes every model alone (no references read) an asset of its own', () => {
    expect(assetsOf(file('a.glb', 'glb'), file('b.stl', 'stl'), file('c.fbx', 'fbx'))).toEqual([
      { kind: 'mesh', primary: 'a.glb', files: ['a.glb'] },
      { kind: 'mesh', primary: 'b.stl', files: ['b.stl'] },
      { kind: 'mesh', primary: 'c.fbx', files: ['c.fbx'] },
    ]);
  });

  it('follows references from file to file, not in circles', () => {
    expect(
      assetsOf(
        file('a.obj', 'obj', ['a.mtl', 'a.obj']),
        file('a.mtl', 'mtl', ['a.mtl', 't.png']),
        file('t.png', 'png', ['a.mtl']),
      ),
    ).toEqual([{ kind: 'mesh', primary: 'a.obj', files: ['a.obj', 'a.mtl', 't.png'] }]);
  });

  it('leaves an .mtl no model references unclaimed, for the ingestion to refuse', () => {
    const lone = file('other.mtl', 'mtl', []);
    expect(assetsOf(...spider(), lone)).toEqual({ ok: false, unclaimedFile: lone });
  });
});

describe('meshGrouping of a zip', () => {
  const claim = (...entries: GroupableFile[]) => meshGrouping.archive?.claim(entries);

  it('takes the one model of a zip for its primary', () => {
    const gltf = file('AnimatedMorphCube/AnimatedMorphCube.gltf', 'gltf');
    expect(claim(file('AnimatedMorphCube/AnimatedMorphCube.bin', 'bin'), gltf)).toEqual({
      primary: gltf,
    });
  });

  it('takes the only model at the shallowest depth when there are several', () => {
    const top = file('car/car.fbx', 'fbx');
    expect(claim(file('car/parts/wheel.obj', 'obj'), top, file('car/car.png', 'png'))).toEqual({
      primary: top,
    });
  });

  it('refuses a zip with several models at the shallowest depth, naming them', () => {
    expect(
      claim(file('glTF/box.gltf', 'gltf'), file('glTF-Binary/box.glb', 'glb'), file('x', 'bin')),
    ).toEqual({
      refused:
        'several models at the same depth ("glTF/box.gltf", "glTF-Binary/box.glb"), and Kiln cannot tell which one is meant: put one model per zip, or the one to process higher up than the others',
    });
  });

  it('does not claim a zip without a model (an .mtl and textures alone)', () => {
    expect(claim(file('a.mtl', 'mtl'), file('a.png', 'png'))).toBeUndefined();
  });
});
