import type { AssetGrouping } from './asset-grouping';

/**
 * Substance archives: every loose .sbsar (known by its 7z bytes) is an asset of its own; it is
 * already an archive, so a zip of them is not claimed.
 */
export const substanceGrouping: AssetGrouping = {
  kind: 'substance',
  groupLoose: (files) =>
    files
      .filter((file) => file.format === 'sbsar')
      .map((file) => ({ kind: 'substance', files: [file], primary: file })),
};
