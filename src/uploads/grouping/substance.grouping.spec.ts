import type { FileFormat } from '../../processing/sniff/file-formats';
import { groupUpload, type GroupableFile, type UploadItem } from './asset-grouping';
import { ASSET_GROUPINGS } from './asset-groupings';

const file = (path: string, format: FileFormat | undefined): GroupableFile => ({
  path,
  bytes: 100,
  format,
});
const loose = (...files: GroupableFile[]): UploadItem<GroupableFile>[] =>
  files.map((one) => ({ file: one }));

describe('substanceGrouping (in ASSET_GROUPINGS)', () => {
  it('makes each .sbsar of an upload a substance asset of its own, beside an image, in request order', () => {
    const outcome = groupUpload(
      loose(
        file('CardBoard.sbsar', 'sbsar'),
        file('photo.png', 'png'),
        file('Tapestry.sbsar', 'sbsar'),
      ),
      ASSET_GROUPINGS,
    );
    expect(outcome.ok && outcome.assets.map((a) => [a.kind, a.primary.path])).toEqual([
      ['substance', 'CardBoard.sbsar'],
      ['image', 'photo.png'],
      ['substance', 'Tapestry.sbsar'],
    ]);
  });

  it('does not claim a zip of .sbsar files: an .sbsar is sent as itself', () => {
    const outcome = groupUpload(
      [{ archive: { name: 'materials.zip', entries: [file('a/CardBoard.sbsar', 'sbsar')] } }],
      ASSET_GROUPINGS,
    );
    expect(outcome).toMatchObject({ ok: false, unclaimedArchive: 'materials.zip' });
  });
});
