// Builds the SDK into dist/: tsc (ESM + declarations), then the file extensions Node's ESM
// loader needs on relative imports (the contract is shared with the server's CommonJS build,
// which cannot take them, so they are added to the output rather than the sources).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SDK = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(SDK, 'dist');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(DIST, { recursive: true, force: true });
const build = spawnSync(process.execPath, [tsc, '-p', join(SDK, 'tsconfig.json')], {
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(build.status ?? 1);

/** @param {string} dir @returns {string[]} */
const filesUnder = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );

const RELATIVE = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+?)\2/g;
for (const file of filesUnder(DIST).filter((f) => /\.(js|d\.ts)$/.test(f))) {
  const source = readFileSync(file, 'utf8');
  const fixed = source.replace(RELATIVE, (match, lead, quote, /** @type {string} */ spec) => {
    if (/\.(js|json)$/.test(spec)) return match;
    // `./x` → `./x.js` (every import names a file: the contract's index is imported as such).
    return `${lead}${quote}${spec}.js${quote}`;
  });
  if (fixed !== source) writeFileSync(file, fixed);
}
console.log(`@kiln/client built into ${DIST}`);
