module.exports = require('./node-require.cjs')('meshoptimizer');
