import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';

/** Where a reference in a model file (a glTF `uri`) leads inside the asset's folder. */
export type ResolvedReference =
  | {
      kind: 'file';
      /** On disk, inside `inputDir`. */ path: string;
      /** Relative to `inputDir`. */ relative: string;
    }
  | { kind: 'refused'; /** Why it is never read, for a warning. */ reason: string }
  | { kind: 'missing' };

/** How many folder entries the same-name search looks at, at most: an asset is a few files. */
const SEARCH_ENTRY_LIMIT = 10_000;

/**
 * Resolves a relative reference the way Kiln resolves every texture or buffer reference:
 * percent-decoded, backslashes read as `/`, relative to the referring file's folder, matched
 * case-insensitively (an exact match wins), inside `inputDir` only. An absolute path, a URL, a
 * drive letter or a path that climbs out of `inputDir` is refused and never touched. When the
 * path finds nothing, a file of the same name anywhere in the asset's folder is taken if there is
 * exactly one (files uploaded one by one lose their folders). Only regular files are returned:
 * a link is never followed.
 *
 * @param fromFile the referring file, relative to `inputDir`, `/`-separated.
 */
export async function resolveReference(
  inputDir: string,
  fromFile: string,
  reference: string,
): Promise<ResolvedReference> {
  const path = percentDecode(reference).replace(/\\/g, '/');
  if (path.includes('\0')) return { kind: 'refused', reason: 'it holds a NUL character' };
  if (path.startsWith('/') || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(path)) {
    return { kind: 'refused', reason: 'it is an absolute path or a URL' };
  }
  const segments: string[] = posix.dirname(fromFile).split('/').filter(isNamed);
  for (const segment of path.split('/')) {
    if (!isNamed(segment)) continue;
    if (segment !== '..') segments.push(segment);
    else if (segments.pop() === undefined) {
      return { kind: 'refused', reason: "it leads outside the asset's folder" };
    }
  }
  if (segments.length === 0) return { kind: 'missing' };
  const found =
    (await findByPath(inputDir, segments)) ??
    (await findByName(inputDir, segments[segments.length - 1]));
  return found
    ? { kind: 'file', path: join(inputDir, ...found), relative: found.join('/') }
    : { kind: 'missing' };
}

function isNamed(segment: string): boolean {
  return segment !== '' && segment !== '.';
}

function percentDecode(reference: string): string {
  try {
    return decodeURIComponent(reference);
  } catch {
    return reference; // a lone `%` is a name, not an escape
  }
}

/** The real names of `segments` under `dir`, each matched exactly or else case-insensitively. */
async function findByPath(dir: string, segments: readonly string[]): Promise<string[] | undefined> {
  const found: string[] = [];
  for (const [index, segment] of segments.entries()) {
    const last = index === segments.length - 1;
    const entries = (await list(join(dir, ...found))).filter((entry) =>
      last ? entry.isFile() : entry.isDirectory(),
    );
    const match =
      entries.find((entry) => entry.name === segment) ??
      entries.find((entry) => entry.name.toLowerCase() === segment.toLowerCase());
    if (!match) return undefined;
    found.push(match.name);
  }
  return found;
}

/** The one file named `name` (case-insensitively) anywhere under `root`; undefined for none or several. */
async function findByName(root: string, name: string): Promise<string[] | undefined> {
  const wanted = name.toLowerCase();
  const matches: string[][] = [];
  const pending: string[][] = [[]];
  let seen = 0;
  while (pending.length > 0 && seen < SEARCH_ENTRY_LIMIT) {
    const folder = pending.pop() ?? [];
    for (const entry of await list(join(root, ...folder))) {
      seen++;
      if (entry.isDirectory()) pending.push([...folder, entry.name]);
      else if (entry.isFile() && entry.name.toLowerCase() === wanted)
        matches.push([...folder, entry.name]);
    }
  }
  return matches.length === 1 ? matches[0] : undefined;
}

async function list(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch {
    return []; // an unreadable folder holds nothing we can use
  }
}

/** The bytes of a `data:` URI (base64 or percent-encoded); undefined when it is malformed. */
export function decodeDataUri(uri: string): Uint8Array<ArrayBuffer> | undefined {
  const comma = uri.indexOf(',');
  if (!uri.startsWith('data:') || comma < 0) return undefined;
  const header = uri.slice(5, comma);
  const body = uri.slice(comma + 1);
  if (/;base64$/i.test(header)) {
    if (!/^[A-Za-z0-9+/=\s_-]*$/.test(body)) return undefined;
    return new Uint8Array(Buffer.from(body, 'base64'));
  }
  const text = body.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  );
  // Percent-escapes are bytes; a character beyond one byte means the URI is not what it claims.
  return Array.from(text).some((char) => char.charCodeAt(0) > 0xff)
    ? undefined
    : new Uint8Array(Buffer.from(text, 'latin1'));
}
