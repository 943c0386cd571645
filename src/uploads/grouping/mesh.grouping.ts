import { FILE_FORMATS } from '../../processing/sniff/file-formats';
import type { AssetGroup, AssetGrouping, GroupableFile } from './asset-grouping';

/** What a zip of a model holds, for the message when no kind claims a zip. */
const HOLDS = `a model (${Object.values(FILE_FORMATS)
  .filter((format) => format.kind === 'mesh')
  .flatMap((format) => format.extensions.map((extension) => `.${extension}`))
  .join(', ')}) with the files it references`;

/**
 * Models. Among an upload's loose files, each model becomes an asset with the files it refers
 * to, followed from file to file (an .obj's .mtl, then that .mtl's textures; a .gltf's .bin and
 * images), matched by base name, case-insensitively, backslashes read as `/`: loose files have
 * no folders. A file two models refer to goes to the first in the request. A referenced file
 * joins whatever its format (a texture Kiln cannot read is still the model's), but never another
 * model. What no model refers to goes on to the next groupings (an image becomes an image asset);
 * an .mtl or .bin nobody takes is refused by the ingestion.
 *
 * A zip holding a model is one mesh asset whose primary is its model: the only one, else the only
 * one at the shallowest folder depth. A zip with several models at that depth is refused, naming
 * them (which one is meant cannot be guessed); a zip with no model is not this kind's.
 */
export const meshGrouping: AssetGrouping = {
  kind: 'mesh',
  groupLoose: <F extends GroupableFile>(files: readonly F[]) => {
    const byName = new Map<string, F[]>();
    for (const file of files) {
      const key = baseName(file.path).toLowerCase();
      byName.set(key, [...(byName.get(key) ?? []), file]);
    }
    const taken = new Set<F>();
    const groups: AssetGroup<F>[] = [];
    for (const model of files.filter(isModel)) {
      const members = new Set<F>([model]);
      const pending: F[] = [model];
      for (let file = pending.shift(); file; file = pending.shift()) {
        for (const reference of file.references ?? []) {
          const part = resolve(reference, byName);
          if (!part || members.has(part) || taken.has(part) || isModel(part)) continue;
          members.add(part);
          pending.push(part);
        }
      }
      members.forEach((member) => taken.add(member));
      groups.push({
        kind: 'mesh',
        files: files.filter((file) => members.has(file)),
        primary: model,
      });
    }
    return groups;
  },
  archive: {
    holds: HOLDS,
    claim: (entries) => {
      const models = entries.filter(isModel);
      if (models.length === 0) return undefined;
      const shallowest = Math.min(...models.map(depth));
      const candidates = models.filter((model) => depth(model) === shallowest);
      if (candidates.length === 1) return { primary: candidates[0] };
      const names = candidates.map((model) => JSON.stringify(model.path)).join(', ');
      return {
        refused: `several models at the same depth (${names}), and Kiln cannot tell which one is meant: put one model per zip, or the one to process higher up than the others`,
      };
    },
  },
};

function isModel(file: GroupableFile): boolean {
  return file.format !== undefined && FILE_FORMATS[file.format].kind === 'mesh';
}

/** The folder depth of a path: 0 for a file at the top of the zip. */
function depth(file: GroupableFile): number {
  return file.path.split('/').length - 1;
}

function baseName(path: string): string {
  const normalized = path.replace(/\\/g, '/');
  return normalized.slice(normalized.lastIndexOf('/') + 1);
}

/** The loose file a reference names: by base name, case-insensitively; the exact case wins a tie. */
function resolve<F extends GroupableFile>(
  reference: string,
  byName: ReadonlyMap<string, readonly F[]>,
): F | undefined {
  const name = baseName(reference.trim());
  if (!name) return undefined;
  const candidates = byName.get(name.toLowerCase()) ?? [];
  return candidates.find((file) => baseName(file.path) === name) ?? candidates[0];
}
