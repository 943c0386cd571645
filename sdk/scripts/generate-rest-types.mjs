// REST types from the server's OpenAPI document (../openapi.json, written by `npm run openapi`):
// src/generated/openapi.ts, committed so the SDK builds and lints without a server.
// `node scripts/generate-rest-types.mjs <path>` writes them elsewhere (the staleness spec does).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SDK = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
// Its exports map hides bin/, so from its main entry (dist/index.js).
const cli = join(dirname(require.resolve('openapi-typescript')), '..', 'bin', 'cli.js');
const out = resolve(process.argv[2] ?? join(SDK, 'src/generated/openapi.ts'));
const steps = [
  [cli, join(SDK, '../openapi.json'), '--output', out],
  // The repository's style, wherever the file is written.
  [
    require.resolve('prettier/bin/prettier.cjs'),
    '--config',
    join(SDK, '../.prettierrc'),
    '--log-level',
    'warn',
    '--write',
    out,
  ],
];
for (const args of steps) {
  const run = spawnSync(process.execPath, args, {
    cwd: SDK,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
