/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-return --
   Plain JavaScript run by node without a compile step: values from JSON, IPC and sockets are
   untyped (`any`) to the type-aware rules, which are meant for the TypeScript sources. */
// EXPERIMENT, not the app: preloaded into Kiln (`--import`) by `api-latency.mjs --experiment
// jwt-keyobject` to measure the fix suggested in docs/performance.md without editing src/.
// jsonwebtoken 9 first tries createPublicKey(secret) on every verify/sign when the secret is a
// string, and that throws for an HMAC secret (~0.4 ms each); handing it a KeyObject skips this.
// This wraps jwt.verify / jwt.sign so a string secret becomes a cached secret KeyObject — what
// the app would do by passing createSecretKey(...) as the JwtModule secret.
import { createSecretKey } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  const require = createRequire(join(process.cwd(), 'package.json'));
  const jwt = require('jsonwebtoken');
  const keys = new Map();
  const asKey = (secret) => {
    if (typeof secret !== 'string' && !Buffer.isBuffer(secret)) return secret;
    const id = typeof secret === 'string' ? secret : secret.toString('base64');
    if (!keys.has(id)) keys.set(id, createSecretKey(Buffer.from(secret)));
    return keys.get(id);
  };
  const { verify, sign } = jwt;
  jwt.verify = (token, secret, ...rest) => verify(token, asKey(secret), ...rest);
  jwt.sign = (payload, secret, ...rest) => sign(payload, asKey(secret), ...rest);
}
