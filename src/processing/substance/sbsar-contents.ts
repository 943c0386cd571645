import { posix } from 'node:path';
import type { SbsarArchive } from './sbsar-archive';
import { parseSbsarManifest, type SubstanceManifest } from './sbsar-manifest';
import { substanceParseFailed } from './substance-errors';

/** A manifest of the archive with where it lies (icons are named relative to its folder). */
export interface SbsarManifestEntry {
  path: string;
  manifest: SubstanceManifest;
}

/**
 * Reads every XML manifest of an opened .sbsar (one per compiled assembly; real files have one).
 * An archive with none, or with no graph in them, fails with `SUBSTANCE_PARSE_FAILED`.
 */
export function readSbsarManifests(archive: SbsarArchive): SbsarManifestEntry[] {
  const paths = archive.entries
    .map((entry) => entry.path)
    .filter((path) => path.toLowerCase().endsWith('.xml'));
  if (paths.length === 0)
    throw substanceParseFailed('The archive holds no Substance manifest (.xml).');
  const extracted = archive.extract(paths);
  const decoder = new TextDecoder('utf-8', { fatal: false });
  const manifests = paths.map((path) => ({
    path,
    manifest: parseSbsarManifest(decoder.decode(extracted.get(path)), posix.basename(path)),
  }));
  if (manifests.every(({ manifest }) => manifest.graphs.length === 0))
    throw substanceParseFailed("The archive's manifest describes no graph.");
  return manifests;
}

/** The archive path of the first graph's icon that the archive really holds, if any. */
export function findSbsarIcon(
  archive: SbsarArchive,
  manifests: readonly SbsarManifestEntry[],
): string | undefined {
  const present = new Set(archive.entries.map((entry) => entry.path));
  for (const { path, manifest } of manifests)
    for (const graph of manifest.graphs) {
      if (!graph.icon) continue;
      const icon = posix.join(posix.dirname(path), graph.icon);
      if (present.has(icon)) return icon;
    }
  return undefined;
}
