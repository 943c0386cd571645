// `npm run dev`: the API (and workers) rebuilt and restarted on every change (`nest start
// --watch`), and the dashboard on Vite's dev server with hot reload, which forwards the API's
// paths and the socket to it. Open the address Vite prints. Ctrl-C stops both.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(join(ROOT, 'package.json'));
const port = process.env.PORT ?? '3000';
const env = { ...process.env, PORT: port, KILN_API_URL: `http://localhost:${port}` };

const api = spawn(
  process.execPath,
  [require.resolve('@nestjs/cli/bin/nest.js'), 'start', '--watch'],
  {
    cwd: ROOT,
    env,
    stdio: 'inherit',
  },
);
process.env.KILN_API_URL = env.KILN_API_URL; // read by web/vite.config.ts
const { createServer } = await import('vite');
const web = await createServer({ configFile: join(ROOT, 'web', 'vite.config.ts') });
await web.listen();
web.printUrls();

let stopping = false;
/** @param {number} code */
const stop = (code) => {
  if (stopping) return;
  stopping = true;
  if (api.exitCode === null) api.kill('SIGTERM');
  process.exitCode = code;
  void web.close();
};
api.once('exit', (code) => stop(code ?? 1));
process.once('SIGINT', () => stop(0));
process.once('SIGTERM', () => stop(0));
