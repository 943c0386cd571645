import type { AssetGrouping } from './asset-grouping';
import { imageGrouping } from './image.grouping';
import { meshGrouping } from './mesh.grouping';
import { substanceGrouping } from './substance.grouping';
import { textureSetGrouping } from './texture-set.grouping';

/**
 * The groupings of every kind, in the order they pick from an upload's loose files: a kind that
 * takes other files as its parts comes before the kinds those files are on their own (the mesh
 * grouping takes an .obj's textures before `image` makes each texture an image asset).
 */
export const ASSET_GROUPINGS: readonly AssetGrouping[] = [
  meshGrouping,
  textureSetGrouping,
  imageGrouping,
  substanceGrouping,
];

/** The injection token of the groupings the ingestion uses (a spec may give its own). */
export const ASSET_GROUPINGS_TOKEN = Symbol('ASSET_GROUPINGS');
