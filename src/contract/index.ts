/**
 * Kiln's contract: the vocabulary the server's modules and the client SDK share. A leaf: it
 * imports nothing but its own files (lint enforces it), so a browser bundle can take it whole.
 */
export * from './assets.contract';
export * from './errors.contract';
export * from './realtime.contract';
export * from './tasks.contract';
