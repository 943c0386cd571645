import { runInThisContext } from 'node:vm';

// Packages jest hands over from Node's own require (test/support/native-modules/: gltf-transform,
// meshoptimizer) live in Node's realm and tell accessor types apart by `array.constructor`: a
// Float32Array made in a test's sandbox realm is "Unknown accessor componentType" to them. In the
// app there is one realm; here the sandbox takes Node's constructors so both sides agree.
const nodeGlobal = runInThisContext('globalThis') as typeof globalThis;
for (const name of [
  'ArrayBuffer',
  'DataView',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
] as const) {
  Object.defineProperty(globalThis, name, {
    value: nodeGlobal[name],
    writable: true,
    configurable: true,
  });
}
