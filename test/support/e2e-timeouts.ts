/**
 * End-to-end tests and their hooks get a minute each: a `beforeAll` starts Kiln (`startKiln`
 * gives up after 30 s with the process's output, so its message, not jest's, is what a slow
 * start shows) and signs up, which hashes a password. The e2e project's setup file: jest reads
 * `testTimeout` from the top-level config only.
 */
export const E2E_TIMEOUT_MS = 60_000;

jest.setTimeout(E2E_TIMEOUT_MS);
