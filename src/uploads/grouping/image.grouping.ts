import { FILE_FORMATS } from '../../processing/sniff/file-formats';
import type { AssetGrouping } from './asset-grouping';

/**
 * Images: every loose image file is an asset of its own. It runs after the kinds that take
 * images as their parts (a model's textures, a texture set's maps), so it gets what they leave.
 * A zip of images is not an image asset: the texture-set kind claims those.
 */
export const imageGrouping: AssetGrouping = {
  kind: 'image',
  groupLoose: (files) =>
    files
      .filter((file) => file.format !== undefined && FILE_FORMATS[file.format].kind === 'image')
      .map((file) => ({ kind: 'image', files: [file], primary: file })),
};
