/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return --
   Plain JavaScript run by node without a compile step: SDK values are untyped (`any`) to the
   type-aware rules, which are meant for the TypeScript sources. */
// Preloaded into Kiln with --import by s3-storage.mjs --trace: every S3 command the SDK sends
// (HeadObject, PutObject, UploadPart, GetObject...) is appended to S3_TRACE_FILE as a JSON line
// with its start and duration as the client sees them. It changes nothing in the app. The SDK is
// CommonJS: patching the class from here patches the one dist/ requires.
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

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
