import { Module } from 'node:module';

// three's examples/jsm files are ES modules. Node ≥ 20.19 require()s them; jest's CommonJS runtime
// cannot, and jest 30 swaps in its own `createRequire` too. A Module's require() is Node's in both.
const nodeLoader = new Module(__filename);

/**
 * Loads an ES module (three's `examples/jsm` loaders) synchronously, through Node's own require,
 * in the app and under jest alike. Node's module cache makes the second call free.
 */
export function requireEsm<T>(specifier: string): T {
  return nodeLoader.require(require.resolve(specifier)) as T;
}
