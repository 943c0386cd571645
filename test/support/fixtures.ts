import { resolve } from 'node:path';

/**
 * The root of the test fixtures: real public files kept in the repository (see
 * `test/fixtures/SOURCES.md`), so a lone clone runs every test. Sorted by kind: `image/`,
 * `mesh/`, `texture-set/`, `substance/`, and broken ones in `malformed/`.
 */
export const FIXTURES = resolve(__dirname, '../fixtures');

/** The image fixtures. */
export const IMAGE_FIXTURES = resolve(FIXTURES, 'image');
