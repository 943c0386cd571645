/**
 * Two projects, one run: unit specs beside the code, and end-to-end specs in test/ that start
 * the built app as a child process. Both share a real Redis (see test/redis.global-setup.ts).
 *
 * Timeouts fit a loaded 2-core CI machine, for tests and set-up/tear-down hooks alike (a hook
 * takes the test timeout unless it names its own). jest reads `testTimeout` from the top level
 * only, never from a project, so the e2e project raises its own in a setup file.
 */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };
const common = {
  testEnvironment: 'node',
  transform,
  moduleFileExtensions: ['ts', 'js', 'cjs', 'json'],
  // See test/support/native-modules/: these need Node's require(esm), which jest lacks.
  moduleNameMapper: {
    '^(@gltf-transform/(?:core|extensions|functions)|meshoptimizer)$':
      '<rootDir>/test/support/native-modules/$1.cjs',
  },
  // Typed arrays from Node's realm, so the packages above accept the ones our code makes.
  setupFiles: ['<rootDir>/test/support/node-realm-typed-arrays.ts'],
  globalSetup: '<rootDir>/test/support/redis.global-setup.ts',
  globalTeardown: '<rootDir>/test/support/redis.global-teardown.ts',
};

/** @type {import('jest').Config} */
module.exports = {
  // Unit specs: a Nest testing module on real Redis, a thread pool, a 4096² image.
  testTimeout: 30_000,
  projects: [
    { ...common, displayName: 'unit', rootDir: '.', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/e2e-timeouts.ts'],
    },
  ],
};
