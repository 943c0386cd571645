import type { FileFormat } from '../../processing/sniff/file-formats';
import {
  groupUpload,
  type AssetGroup,
  type AssetGrouping,
  type GroupableFile,
  type UploadItem,
} from './asset-grouping';
import { ASSET_GROUPINGS } from './asset-groupings';
import { imageGrouping } from './image.grouping';

const file = (path: string, format: FileFormat | undefined): GroupableFile => ({
  path,
  bytes: 100,
  format,
});
const loose = (...files: GroupableFile[]): UploadItem<GroupableFile>[] =>
  files.map((one) => ({ file: one }));
const paths = (groups: AssetGroup[]) =>
  groups.map((group) => ({
    kind: group.kind,
    files: group.files.map((one) => one.path),
    primary: group.primary.path,
  }));

/**
 * A grouping of the shape the mesh issue will add: an .obj takes the loose files that share its
 * base name (its .mtl and textures), and a zip holding exactly one .obj is one model.
 */
const modelLike: AssetGrouping = {
  kind: 'mesh',
  groupLoose: (files) =>
    files
      .filter((one) => one.format === 'obj')
      .map((obj) => {
        const base = obj.path.replace(/\.obj$/, '');
        return {
          kind: 'mesh',
          files: files.filter(
            (one) =>
              one === obj || one.path.startsWith(`${base}.`) || one.path.startsWith(`${base}_`),
          ),
          primary: obj,
        };
      }),
  archive: {
    holds: 'a model (.obj) with its files',
    claim: (entries) => {
      const models = entries.filter((entry) => entry.format === 'obj');
      return models.length === 1 ? { primary: models[0] } : undefined;
    },
  },
};

describe('groupUpload', () => {
  it('today makes every image its own asset, primary itself, in request order', () => {
    const outcome = groupUpload(
      loose(file('b.png', 'png'), file('a.jpg', 'jpeg'), file('c.exr', 'exr')),
      ASSET_GROUPINGS,
    );
    expect(outcome).toEqual({
      ok: true,
      assets: [
        { kind: 'image', files: [file('b.png', 'png')], primary: file('b.png', 'png') },
        { kind: 'image', files: [file('a.jpg', 'jpeg')], primary: file('a.jpg', 'jpeg') },
        { kind: 'image', files: [file('c.exr', 'exr')], primary: file('c.exr', 'exr') },
      ],
    });
  });

  it('names the first file no grouping takes: the third of five, unsupported bytes', () => {
    const third = file('notes.txt', undefined);
    const outcome = groupUpload(
      loose(
        file('1.png', 'png'),
        file('2.png', 'png'),
        third,
        file('4.png', 'png'),
        file('5.txt', undefined),
      ),
      ASSET_GROUPINGS,
    );
    expect(outcome).toEqual({ ok: false, unclaimedFile: third });
  });

  it('leaves a file that only comes with another unclaimed (a lone .mtl or .bin)', () => {
    expect(groupUpload(loose(file('box.mtl', 'mtl')), ASSET_GROUPINGS)).toEqual({
      ok: false,
      unclaimedFile: file('box.mtl', 'mtl'),
    });
    expect(groupUpload(loose(file('box.bin', 'bin')), ASSET_GROUPINGS)).toEqual({
      ok: false,
      unclaimedFile: file('box.bin', 'bin'),
    });
  });

  it('stops at the zip a kind refuses, with its reason', () => {
    const refusing: AssetGrouping = {
      kind: 'mesh',
      groupLoose: () => [],
      archive: { holds: 'models', claim: () => ({ refused: 'two models' }) },
    };
    expect(
      groupUpload([{ archive: { name: 'two.zip', entries: [file('a.obj', 'obj')] } }], [refusing]),
    ).toEqual({ ok: false, refusedArchive: 'two.zip', reason: 'two models' });
  });

  it('claims no zip of images that name no PBR map, and says what a zip may hold: a model or a texture set', () => {
    const outcome = groupUpload(
      [{ archive: { name: 'maps.zip', entries: [file('a.png', 'png'), file('b.png', 'png')] } }],
      ASSET_GROUPINGS,
    );
    expect(outcome).toEqual({
      ok: false,
      unclaimedArchive: 'maps.zip',
      accepted: [
        'a model (.obj, .gltf, .glb, .stl, .ply, .fbx, .dae) with the files it references',
        'a texture set (PBR maps named by suffix, e.g. wood_BaseColor.png, wood_Normal.png, wood_Roughness.png)',
      ],
    });
  });

  it('lets a kind put several loose files together, before images take what is left', () => {
    const outcome = groupUpload(
      loose(
        file('photo.jpg', 'jpeg'),
        file('spider.obj', 'obj'),
        file('spider.mtl', 'mtl'),
        file('spider_tex.jpg', 'jpeg'),
      ),
      [modelLike, imageGrouping],
    );
    expect(outcome.ok && paths(outcome.assets)).toEqual([
      { kind: 'image', files: ['photo.jpg'], primary: 'photo.jpg' },
      {
        kind: 'mesh',
        files: ['spider.obj', 'spider.mtl', 'spider_tex.jpg'],
        primary: 'spider.obj',
      },
    ]);
  });

  it('makes a zip one asset of the first kind that claims it, with every entry and the primary it chose', () => {
    const entries = [
      file('model/readme.txt', undefined),
      file('model/box.obj', 'obj'),
      file('model/tex/wood.png', 'png'),
    ];
    const outcome = groupUpload(
      [{ file: file('photo.png', 'png') }, { archive: { name: 'box.zip', entries } }],
      [modelLike, imageGrouping],
    );
    expect(outcome.ok && paths(outcome.assets)).toEqual([
      { kind: 'image', files: ['photo.png'], primary: 'photo.png' },
      {
        kind: 'mesh',
        files: ['model/readme.txt', 'model/box.obj', 'model/tex/wood.png'],
        primary: 'model/box.obj',
      },
    ]);
  });

  it('says what a zip may hold when no kind claims one', () => {
    const outcome = groupUpload(
      [{ archive: { name: 'two.zip', entries: [file('a.obj', 'obj'), file('b.obj', 'obj')] } }],
      [modelLike, imageGrouping],
    );
    expect(outcome).toEqual({
      ok: false,
      unclaimedArchive: 'two.zip',
      accepted: ['a model (.obj) with its files'],
    });
  });

  it('claims no empty zip', () => {
    expect(
      groupUpload([{ archive: { name: 'empty.zip', entries: [] } }], [modelLike]),
    ).toMatchObject({
      ok: false,
      unclaimedArchive: 'empty.zip',
    });
  });

  it('stops at a grouping that breaks the rules (a bug, not bad input)', () => {
    const twice: AssetGrouping = {
      kind: 'image',
      groupLoose: (files) =>
        files
          .flatMap((one) => [one, one])
          .map((one) => ({ kind: 'image', files: [one], primary: one })),
    };
    expect(() => groupUpload(loose(file('a.png', 'png')), [twice])).toThrow(
      'The image grouping took a file it was not given, or one twice',
    );
    const strayPrimary: AssetGrouping = {
      kind: 'image',
      groupLoose: (files) => [
        {
          kind: 'image',
          files: [...files],
          primary: file('x.png', 'png') as (typeof files)[number],
        },
      ],
    };
    expect(() => groupUpload(loose(file('a.png', 'png')), [strayPrimary])).toThrow(
      'The image grouping chose a primary outside its asset',
    );
  });
});
