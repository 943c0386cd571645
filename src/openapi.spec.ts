import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument, openApiJson } from './openapi';

describe('openapi.json', () => {
  it('is the document the code builds (run `npm run openapi` after changing the REST API)', async () => {
    const committed = readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8');
    expect(openApiJson(await openApiDocument())).toBe(committed);
  });
});
