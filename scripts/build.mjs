// Builds dist/ with `nest build` and stamps it with a hash of what it was built from.
// `--if-stale` builds only when dist/main.js is missing or the sources differ from the stamp, so
// `npm start` restarts in a second when nothing changed (a build takes 10-20 s).
// The stamp is a content hash, not mtimes: a checkout, a deleted or renamed file and a build that
// failed half-way (no stamp is written) all count as stale.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inputsHash } from './build-stamp.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST_MAIN = join(ROOT, 'dist', 'main.js');
const STAMP = join(ROOT, 'dist', '.build-inputs');
/** Besides src/ (spec files aside, as tsconfig.build.json leaves them out). */
const INPUT_FILES = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'nest-cli.json',
  'scripts/build.mjs',
  'scripts/build-stamp.mjs',
];

function stampedHash() {
  return existsSync(STAMP) ? readFileSync(STAMP, 'utf8').trim() : undefined;
}

const ifStale = process.argv.includes('--if-stale');
// Hashed before the build: a file saved during it makes the next start rebuild.
const inputs = inputsHash(ROOT, ['src'], INPUT_FILES);
if (ifStale && existsSync(DIST_MAIN) && stampedHash() === inputs) {
  console.log('dist/ is current (built from these sources): not rebuilding.');
  process.exit(0);
}
if (ifStale) {
  console.log(
    existsSync(DIST_MAIN)
      ? 'The sources changed since dist/ was built: building…'
      : 'No dist/main.js yet: building…',
  );
}

const nest = createRequire(join(ROOT, 'package.json')).resolve('@nestjs/cli/bin/nest.js');
const build = spawnSync(process.execPath, [nest, 'build'], { cwd: ROOT, stdio: 'inherit' });
if (build.status !== 0) {
  console.error(`nest build failed (${build.signal ?? `exit code ${build.status}`}).`);
  process.exit(build.status ?? 1);
}
writeFileSync(STAMP, `${inputs}\n`);
