import type { AssetGrouping } from './asset-grouping';
import { imageGrouping } from './image.grouping';

/**
 * The groupings of every kind, in the order they pick from an upload's loose files: a kind that
 * takes other files as its parts comes before the kinds those files are on their own (the mesh
 * grouping will take an .obj's textures before `image` makes each texture an image asset).
 * The mesh and texture-set issues add theirs here.
 */
export const ASSET_GROUPINGS: readonly AssetGrouping[] = [imageGrouping];

/** The injection token of the groupings the ingestion uses (a spec may give its own). */
export const ASSET_GROUPINGS_TOKEN = Symbol('ASSET_GROUPINGS');
