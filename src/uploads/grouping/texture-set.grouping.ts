import { parseMapName, roleOrder, type MapName } from '../../processing/texture-set/map-names';
import { FILE_FORMATS } from '../../processing/sniff/file-formats';
import type { AssetGroup, AssetGrouping, GroupableFile } from './asset-grouping';

/** What a zip of a texture set holds, for the message when no kind claims a zip. */
const HOLDS =
  'a texture set (PBR maps named by suffix, e.g. wood_BaseColor.png, wood_Normal.png, wood_Roughness.png)';

interface NamedMap<F> {
  file: F;
  name: MapName;
}

/**
 * Texture sets. Among an upload's loose files, images whose names share a prefix and carry PBR
 * suffixes (`wood_BaseColor.png`, `wood_Normal.png`, …; see map-names.ts) become one asset when
 * there are at least two of different roles; a lone map stays an image, as does a second map of
 * a role the set has already (it goes on to the image grouping). The primary is the base colour,
 * else the first role of `MAP_ROLES`.
 *
 * A zip is a texture set when it holds no model (the mesh grouping is asked first) and at least
 * one image with a PBR suffix; its other files ride along unused. Maps of two prefixes in one zip
 * are refused: which set is meant cannot be guessed.
 */
export const textureSetGrouping: AssetGrouping = {
  kind: 'texture-set',
  groupLoose: <F extends GroupableFile>(files: readonly F[]) => {
    const byPrefix = new Map<string, NamedMap<F>[]>();
    for (const map of namedMaps(files)) {
      const key = map.name.prefix.toLowerCase();
      const set = byPrefix.get(key) ?? [];
      if (!set.some((other) => other.name.role === map.name.role)) set.push(map);
      byPrefix.set(key, set);
    }
    const groups: AssetGroup<F>[] = [];
    for (const set of byPrefix.values()) {
      if (set.length < 2) continue;
      const members = new Set(set.map((map) => map.file));
      groups.push({
        kind: 'texture-set',
        files: files.filter((file) => members.has(file)),
        primary: primaryOf(set),
      });
    }
    return groups;
  },
  archive: {
    holds: HOLDS,
    claim: (entries) => {
      const maps = namedMaps(entries);
      if (maps.length === 0) return undefined;
      const prefixes = [...new Set(maps.map((map) => map.name.prefix.toLowerCase()))];
      if (prefixes.length > 1) {
        const names = prefixes.map((prefix) => JSON.stringify(prefix)).join(', ');
        return {
          refused: `maps of several texture sets (prefixes ${names}), and Kiln cannot tell which one is meant: put one texture set per zip`,
        };
      }
      return { primary: primaryOf(maps) };
    },
  },
};

function namedMaps<F extends GroupableFile>(files: readonly F[]): NamedMap<F>[] {
  return files.flatMap((file) => {
    if (file.format === undefined || FILE_FORMATS[file.format].kind !== 'image') return [];
    const name = parseMapName(file.path);
    return name ? [{ file, name }] : [];
  });
}

function primaryOf<F>(maps: readonly NamedMap<F>[]): F {
  return [...maps].sort((a, b) => roleOrder(a.name.role) - roleOrder(b.name.role))[0].file;
}
