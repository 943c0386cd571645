// jest (on Node < 24.9) cannot require() ES modules, and some packages Kiln uses are ESM or
// require ESM-only packages (@gltf-transform/* needs property-graph; meshoptimizer is ESM).
// Node's own require can. jest.config.js maps each such package to a file in this folder, which
// hands over what Node loaded: one copy per process, so classes shared between packages stay one.
// Node resolves the name from here: jest's resolver would map it back to the shim.
const { Module } = require('node:module');

const nodeLoader = new Module(__filename);
nodeLoader.filename = __filename;
nodeLoader.paths = Module._nodeModulePaths(__dirname);

/** @param {string} name a package name, as the code imports it */
module.exports = (name) => nodeLoader.require(name);
