// The content hash the build scripts stamp their output with (see scripts/build.mjs): a checkout,
// a deleted or renamed file and a build that failed half-way all count as a change.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** @param {string} dir @returns {string[]} every file below `dir`, spec files aside */
function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return entry.isFile() && !/\.spec\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/**
 * sha256 over the path and bytes of every file below `dirs` and of the `files` that exist, in a
 * stable order; all paths relative to `root`.
 * @param {string} root @param {string[]} dirs @param {string[]} files @returns {string}
 */
export function inputsHash(root, dirs, files) {
  const paths = [
    ...dirs.flatMap((dir) => filesUnder(join(root, dir))),
    ...files.map((name) => join(root, name)).filter((path) => existsSync(path)),
  ]
    .map((path) => relative(root, path).split(sep).join('/'))
    .sort();
  const hash = createHash('sha256');
  for (const path of paths) {
    hash.update(`${path}\0`);
    hash.update(readFileSync(join(root, path)));
    hash.update('\0');
  }
  return hash.digest('hex');
}
