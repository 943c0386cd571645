// Builds the dashboard (web/ → web/dist/, which the API serves at `/`) with Vite, and stamps it
// with a hash of what it was built from, as scripts/build.mjs does for dist/. `--if-stale` builds
// only when web/dist/index.html is missing or an input changed, so `npm start` stays quick.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inputsHash } from './build-stamp.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'web', 'dist');
const STAMP = join(OUT, '.build-inputs');
/** The dashboard bundles the SDK's sources and the server's contract (web/vite.config.ts). */
const INPUT_DIRS = ['web/src', 'sdk/src', 'src/contract'];
const INPUT_FILES = [
  'package-lock.json',
  'web/package.json',
  'web/index.html',
  'web/vite.config.ts',
  'scripts/build-web.mjs',
  'scripts/build-stamp.mjs',
];

const ifStale = process.argv.includes('--if-stale');
const inputs = inputsHash(ROOT, INPUT_DIRS, INPUT_FILES);
const stamped = existsSync(STAMP) ? readFileSync(STAMP, 'utf8').trim() : undefined;
if (ifStale && existsSync(join(OUT, 'index.html')) && stamped === inputs) {
  console.log('web/dist/ is current: not rebuilding the dashboard.');
  process.exit(0);
}
const { build } = await import('vite');
try {
  await build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'warn' });
} catch (error) {
  console.error(
    `The dashboard's build failed: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
}
writeFileSync(STAMP, `${inputs}\n`);
console.log('Built the dashboard into web/dist/.');
