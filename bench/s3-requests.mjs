/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return --
   Plain JavaScript run by node without a compile step: SDK values are untyped (`any`) to the
   type-aware rules, which are meant for the TypeScript sources. */
// What each kind of S3 request costs against s3rver (in a process of its own), with the SDK and
// client settings Kiln uses: a 35 MB file as a multipart upload (lib-storage) and as one streamed
// PutObject, a server-side copy of it, and the small requests a task makes (HEAD, PUT). Also
// checks whether the server honours `If-None-Match: *` on a PutObject (a conditional write).
//
//   node bench/s3-requests.mjs [--rounds 4] [--small 30]
import {
  createReadStream,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { argValue, requireFromRepo } from './lib/env.mjs';
import { generatePng } from './lib/image-work.mjs';
import { fmt, median, table } from './lib/stats.mjs';

const { CopyObjectCommand, DeleteObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } =
  requireFromRepo('@aws-sdk/client-s3');
const { Upload } = requireFromRepo('@aws-sdk/lib-storage');

const ROUNDS = Number(argValue('--rounds') ?? 4);
const SMALL = Number(argValue('--small') ?? 30);
const S3RVER = fileURLToPath(new URL('./lib/s3rver-process.mjs', import.meta.url));

const work = mkdtempSync(join(tmpdir(), 'kiln-bench-s3req-'));
const child = fork(S3RVER, [], {
  env: { PATH: process.env.PATH, S3RVER_DIR: join(work, 's3rver'), S3RVER_BUCKET: 'bench' },
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
try {
  const port = await new Promise((resolve) => child.once('message', (m) => resolve(m.port)));
  // As src/storage/s3-storage.ts builds it.
  const client = new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const Bucket = 'bench';
  const big = (await generatePng(join(work, 'big.png'), 4096, { seed: 4242 })).path;
  const size = statSync(big).size;
  const small = join(work, 'small.bin');
  writeFileSync(small, Buffer.alloc(20_000, 7));

  const times = {};
  const time = async (label, body) => {
    const t0 = performance.now();
    await body();
    (times[label] ??= []).push(performance.now() - t0);
  };
  const multipart = (Key, partSize, queueSize) =>
    new Upload({
      client,
      params: { Bucket, Key, Body: createReadStream(big), ContentLength: size },
      partSize,
      queueSize,
      leavePartsOnError: false,
    }).done();
  for (let r = 0; r < ROUNDS; r++) {
    await time('35 MB: multipart, 8 MiB parts, 4 in flight (before)', () =>
      multipart(`mp8-${r}`, 8 << 20, 4),
    );
    await time('35 MB: multipart, 5 MiB parts, 8 in flight', () =>
      multipart(`mp5-${r}`, 5 << 20, 8),
    );
    await time('35 MB: one PutObject streamed from disk (after)', () =>
      client.send(
        new PutObjectCommand({
          Bucket,
          Key: `put-${r}`,
          Body: createReadStream(big),
          ContentLength: size,
        }),
      ),
    );
    await time('35 MB: CopyObject (server-side)', () =>
      client.send(
        new CopyObjectCommand({ Bucket, Key: `copy-${r}`, CopySource: `${Bucket}/put-${r}` }),
      ),
    );
    await time('DeleteObject', () =>
      client.send(new DeleteObjectCommand({ Bucket, Key: `copy-${r}` })),
    );
  }
  for (let r = 0; r < SMALL; r++) {
    await time('HeadObject, missing (404)', () =>
      client.send(new HeadObjectCommand({ Bucket, Key: `missing-${r}` })).catch(() => undefined),
    );
    await time('20 kB PutObject streamed', () =>
      client.send(
        new PutObjectCommand({
          Bucket,
          Key: `s-${r}`,
          Body: createReadStream(small),
          ContentLength: 20_000,
        }),
      ),
    );
    await time('20 kB PutObject from a buffer', () =>
      client.send(new PutObjectCommand({ Bucket, Key: `b-${r}`, Body: readFileSync(small) })),
    );
    await time('HEAD with fetch, unsigned (no SDK)', () =>
      fetch(`http://127.0.0.1:${port}/${Bucket}/missing`, { method: 'HEAD' }),
    );
  }
  let conditional;
  try {
    await client.send(new PutObjectCommand({ Bucket, Key: 's-0', Body: 'x', IfNoneMatch: '*' }));
    conditional = 'no: the object was overwritten';
  } catch (error) {
    conditional = `yes: ${error.$metadata?.httpStatusCode}`;
  }
  client.destroy();
  console.log(
    table(
      ['request (s3rver in its own process)', 'n', 'median ms', 'min ms'],
      Object.entries(times).map(([label, ms]) => [
        label,
        String(ms.length),
        fmt(median(ms), 1),
        fmt(Math.min(...ms), 1),
      ]),
    ),
  );
  console.log(`PutObject If-None-Match: * on an existing key refused? ${conditional}`);
} finally {
  child.disconnect();
  rmSync(work, { recursive: true, force: true });
}
