import { readdir } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { resolveInside } from '../step-folder';
import type { StepFolders } from '../step.types';
import { parseMapName, roleOrder, type MapRole, type NamedConvention } from './map-names';
import { textureSetEmpty } from './texture-set-errors';

/** One map of a set: which file, and what its name says it is. */
export interface SetMap {
  role: MapRole;
  /** Relative to the asset's input folder, `/`-separated. */
  path: string;
  /** The file on disk. */
  file: string;
  convention: NamedConvention;
}

export interface TextureSetLayout {
  /** The common name before the suffixes (the primary's). */
  prefix: string;
  /** One map per role, in `MAP_ROLES` order. */
  maps: SetMap[];
  /** Files of the asset that are no map (a readme, a second map of a role already taken). */
  ignored: string[];
}

const IMAGE_EXTENSIONS = /\.(png|jpe?g|jpe|webp|tiff?|tga|exr|hdr|gif|avif)$/i;

/**
 * Finds the maps among the asset's files by their names: the primary's prefix wins, the first
 * file of each role in path order is kept. Files are listed from the input folder itself, so a
 * step needs nothing but its folders.
 *
 * @throws ProcessingError `TEXTURE_SET_EMPTY` when no file is a map.
 */
export async function readLayout(
  folders: Pick<StepFolders, 'inputDir' | 'primary'>,
): Promise<TextureSetLayout> {
  const entries = await readdir(folders.inputDir, { recursive: true, withFileTypes: true });
  const paths = entries
    .filter((entry) => entry.isFile())
    .map((entry) =>
      relative(folders.inputDir, `${entry.parentPath}${sep}${entry.name}`).split(sep).join('/'),
    )
    .sort();
  const primaryPrefix = parseMapName(folders.primary)?.prefix.toLowerCase();
  const maps: SetMap[] = [];
  const ignored: string[] = [];
  for (const path of paths) {
    const name = IMAGE_EXTENSIONS.test(path) ? parseMapName(path) : undefined;
    const samePrefix = primaryPrefix === undefined || name?.prefix.toLowerCase() === primaryPrefix;
    if (!name || !samePrefix || maps.some((map) => map.role === name.role)) {
      ignored.push(path);
      continue;
    }
    maps.push({
      role: name.role,
      path,
      file: resolveInside(folders.inputDir, path),
      convention: name.convention,
    });
  }
  if (maps.length === 0) throw textureSetEmpty(paths);
  maps.sort((a, b) => roleOrder(a.role) - roleOrder(b.role));
  return { prefix: parseMapName(maps[0].path)?.prefix ?? '', maps, ignored };
}

/** The map of `role`, if the set has one. */
export function mapOf(layout: TextureSetLayout, role: MapRole): SetMap | undefined {
  return layout.maps.find((map) => map.role === role);
}
