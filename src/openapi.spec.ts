import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApiDocument, openApiJson } from './openapi';

const ROOT = join(__dirname, '..');

describe('openapi.json', () => {
  it('is the document the code builds (run `npm run openapi` after changing the REST API)', async () => {
    const committed = readFileSync(join(ROOT, 'openapi.json'), 'utf8');
    expect(openApiJson(await openApiDocument())).toBe(committed);
  });

  it('is what the SDK’s REST types were generated from (`npm run openapi` regenerates both)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-openapi-'));
    try {
      const out = join(dir, 'openapi.ts');
      const run = spawnSync(
        process.execPath,
        [join(ROOT, 'sdk/scripts/generate-rest-types.mjs'), out],
        { encoding: 'utf8' },
      );
      expect(run.stderr).toBe('');
      expect(readFileSync(out, 'utf8')).toBe(
        readFileSync(join(ROOT, 'sdk/src/generated/openapi.ts'), 'utf8'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
