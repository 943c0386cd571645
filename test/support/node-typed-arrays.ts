import { runInThisContext } from 'node:vm';

/**
 * Node's own typed-array constructors. jest runs a spec in a realm of its own, but the packages
 * mapped to Node's require (`@gltf-transform/*`, see `jest.config.js`) live in Node's realm and
 * tell a `Float32Array` from a `Uint32Array` by constructor: an array they are given must be built
 * by Node's. `runInThisContext` evaluates in Node's main context, not the spec's.
 */
export const NodeFloat32Array = runInThisContext('Float32Array') as Float32ArrayConstructor;
export const NodeUint32Array = runInThisContext('Uint32Array') as Uint32ArrayConstructor;
