module.exports = require('../node-require.cjs')('@gltf-transform/functions');
