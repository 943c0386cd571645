// Preloaded into Kiln with --require by s3-storage.mjs --trace: every S3 command the SDK sends
// (HeadObject, PutObject, UploadPart, GetObject...) is appended to S3_TRACE_FILE as a JSON line
// with its start and duration as the client sees them. It changes nothing in the app.
'use strict';
const { appendFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');

const file = process.env.S3_TRACE_FILE;
const fromApp = createRequire(join(process.cwd(), 'package.json'));
const { S3Client } = fromApp('@aws-sdk/client-s3');
const send = S3Client.prototype.send;
S3Client.prototype.send = async function tracedSend(command, ...rest) {
  const t0 = performance.now();
  const at = Date.now();
  let status = 'ok';
  try {
    return await send.call(this, command, ...rest);
  } catch (error) {
    status = error?.$metadata?.httpStatusCode ?? error?.name ?? 'error';
    throw error;
  } finally {
    const line = {
      at,
      command: command.constructor.name,
      key: command.input?.Key,
      part: command.input?.PartNumber,
      status,
      ms: Math.round((performance.now() - t0) * 10) / 10,
    };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  }
};
