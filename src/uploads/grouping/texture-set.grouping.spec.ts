import type { FileFormat } from '../../processing/sniff/file-formats';
import { groupUpload, type GroupableFile } from './asset-grouping';
import { ASSET_GROUPINGS } from './asset-groupings';

const file = (path: string, format: FileFormat | undefined = 'png'): GroupableFile => ({
  path,
  bytes: 1,
  format,
});

describe('texture-set grouping', () => {
  it('makes maps of one prefix one texture-set asset, base colour primary, and leaves a lone image an image', () => {
    const color = file('wood_BaseColor.png');
    const normal = file('wood_NormalGL.png');
    const rough = file('wood_Roughness.jpg', 'jpeg');
    const photo = file('photo.png');
    const lone = file('stone_Normal.png');
    const outcome = groupUpload(
      [normal, photo, color, lone, rough].map((f) => ({ file: f })),
      ASSET_GROUPINGS,
    );
    expect(outcome).toEqual({
      ok: true,
      assets: [
        { kind: 'texture-set', files: [normal, color, rough], primary: color },
        { kind: 'image', files: [photo], primary: photo },
        { kind: 'image', files: [lone], primary: lone },
      ],
    });
  });

  it('claims a zip of maps (a readme rides along), primary the base colour', () => {
    const entries = [
      file('Metal007/Metal007_1K_Roughness.jpg', 'jpeg'),
      file('Metal007/Metal007_1K_Color.jpg', 'jpeg'),
      file('Metal007/README.txt', undefined),
    ];
    expect(groupUpload([{ archive: { name: 'metal.zip', entries } }], ASSET_GROUPINGS)).toEqual({
      ok: true,
      assets: [{ kind: 'texture-set', files: entries, primary: entries[1] }],
    });
  });

  it('refuses a zip holding two sets, naming their prefixes', () => {
    const entries = [file('wood_BaseColor.png'), file('stone_BaseColor.png')];
    expect(groupUpload([{ archive: { name: 'two.zip', entries } }], ASSET_GROUPINGS)).toEqual({
      ok: false,
      refusedArchive: 'two.zip',
      reason:
        'maps of several texture sets (prefixes "wood", "stone"), and Kiln cannot tell which one is meant: put one texture set per zip',
    });
  });

  it('leaves a zip of images without PBR suffixes unclaimed', () => {
    const outcome = groupUpload(
      [{ archive: { name: 'photos.zip', entries: [file('a.png'), file('b.png')] } }],
      ASSET_GROUPINGS,
    );
    expect(outcome).toMatchObject({ ok: false, unclaimedArchive: 'photos.zip' });
  });
});
