import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';

/** The regular files of an asset's folder, listed once per model, for resolving what it references. */
export interface AssetFiles {
  inputDir: string;
  /** Every regular file (links and special files left out), `/`-separated, relative to `inputDir`. */
  files: readonly string[];
}

/** Where a reference led: a file inside the asset, or nothing, with why (a phrase after the name: `is not found in the upload`). */
export type ResolvedReference =
  { found: true; path: string; byBaseName: boolean } | { found: false; problem: string };

/** Folders deeper than this are not listed (an upload is a model and its textures, not a tree). */
const MAX_DEPTH = 16;
/** Listing stops here: enough for any model's companions, and bounded for a hostile zip. */
const MAX_FILES = 20_000;

/**
 * Lists the regular files under `inputDir`. Symbolic links are neither listed nor followed, so a
 * reference can never lead outside the folder through one.
 */
export async function listAssetFiles(inputDir: string): Promise<AssetFiles> {
  const files: string[] = [];
  const walk = async (relative: string, depth: number): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(join(inputDir, relative), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (files.length >= MAX_FILES) return;
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isFile()) files.push(path);
      else if (entry.isDirectory() && depth < MAX_DEPTH) await walk(path, depth + 1);
    }
  };
  await walk('', 0);
  return { inputDir, files };
}

/**
 * Resolves a reference written in a model or material file (a texture, an MTL) the way an upload
 * needs it: backslashes read as `/`, a `file://` prefix and %-escapes undone, relative to the
 * referring file's folder, matched case-insensitively (an exact-case match wins). Absolute paths
 * and paths that climb out of the asset's folder are never followed. When the path finds nothing,
 * a file of the same base name anywhere in the folder is taken if there is exactly one (uploads
 * sent as separate files lose their folders; DCC tools write absolute paths of the artist's disk).
 *
 * @param referringFile the model or MTL file holding the reference, relative to `inputDir`.
 */
export function resolveReference(
  assets: AssetFiles,
  referringFile: string,
  reference: string,
): ResolvedReference {
  const written = reference.trim();
  if (written === '') return { found: false, problem: 'is an empty file name' };
  const path = decodeUri(written).replace(/\\/g, '/');
  const absolute = /^(?:[a-z]:|\/)/i.test(path) || /^[a-z][a-z0-9+.-]+:\/\//i.test(path);
  let problem: string | undefined;
  if (absolute) {
    problem = 'is an absolute path, not followed';
  } else {
    const joined = posix.normalize(posix.join(posix.dirname(referringFile), path));
    if (joined === '..' || joined.startsWith('../')) {
      problem = "points outside the upload's folder, not followed";
    } else {
      const match = findCaseInsensitive(assets.files, joined);
      if (match !== undefined) return { found: true, path: match, byBaseName: false };
    }
  }
  const baseName = posix.basename(path).toLowerCase();
  const sameName = assets.files.filter((file) => posix.basename(file).toLowerCase() === baseName);
  if (baseName !== '' && sameName.length === 1) {
    return { found: true, path: sameName[0], byBaseName: true };
  }
  if (sameName.length > 1) {
    problem ??= 'is not found at that path';
    return {
      found: false,
      problem: `${problem}, and ${sameName.length} files in the upload have its name`,
    };
  }
  return { found: false, problem: problem ?? 'is not found in the upload' };
}

/** The full path of a resolved file. */
export function assetPath(assets: AssetFiles, relative: string): string {
  return join(assets.inputDir, relative);
}

function findCaseInsensitive(files: readonly string[], wanted: string): string | undefined {
  if (files.includes(wanted)) return wanted;
  const lower = wanted.toLowerCase();
  return files.find((file) => file.toLowerCase() === lower);
}

/** `file:///C:/tex/a%20b.png` → `C:/tex/a b.png`; text that is not a valid URI stays as written. */
function decodeUri(reference: string): string {
  let path = reference.replace(/^file:\/\/(?:localhost)?(?=\/)/i, '');
  if (/^\/[a-z]:/i.test(path)) path = path.slice(1);
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
