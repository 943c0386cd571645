/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access --
   Plain JavaScript run by node without a compile step: values from JSON, IPC and sockets are
   untyped (`any`) to the type-aware rules, which are meant for the TypeScript sources. */
// Issue 17's speed check: the same work with KILN_STORAGE=local and KILN_STORAGE=s3 (against a
// local s3rver in this process), interleaved: a 4096² PNG (a fresh one each round, so nothing
// is already in the bucket or the worker's cache) from POST /uploads to task.succeeded, and a
// run of small PNGs one after another.
//
//   node bench/s3-storage.mjs [--rounds 5] [--small 20]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { connectSocket, expectStatus, signUp, upload } from './lib/client.mjs';
import {
  assertBuilt,
  deleteKeys,
  freshPrefix,
  freshTempDir,
  locateRedis,
  withCleanup,
} from './lib/env.mjs';
import { generatePng } from './lib/image-work.mjs';
import { startKiln } from './lib/kiln.mjs';
import { fmt, median, table } from './lib/stats.mjs';

const ROUNDS = Number(argValue('--rounds') ?? 5);
const SMALL = Number(argValue('--small') ?? 20);
const TARGET_RATIO = 1.3;

function argValue(name) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

assertBuilt();
await withCleanup(async (onCleanup) => {
  const redis = await locateRedis();
  if (redis.stop) onCleanup(() => redis.stop());
  const work = freshTempDir('s3-storage');
  onCleanup(() => rmSync(work, { recursive: true, force: true }));

  const s3dir = mkdtempSync(join(tmpdir(), 'kiln-bench-s3rver-'));
  onCleanup(() => rmSync(s3dir, { recursive: true, force: true }));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: s3dir,
    configureBuckets: [{ name: 'bench', configs: [] }],
  });
  const { port } = await server.run();
  onCleanup(() => server.close());
  const s3env = {
    KILN_STORAGE: 's3',
    S3_ENDPOINT: `http://127.0.0.1:${port}`,
    S3_BUCKET: 'bench',
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
    S3_FORCE_PATH_STYLE: '1',
  };

  const stores = {};
  /** @type {Array<{ name: string; env: Record<string, string> }>} */
  const setups = [
    { name: 'local', env: {} },
    { name: 's3', env: s3env },
  ];
  for (const { name, env } of setups) {
    const keyPrefix = freshPrefix(`s3b-${name}`);
    onCleanup(async () => void (await deleteKeys(redis.url, keyPrefix)));
    const kiln = await startKiln({
      redisUrl: redis.url,
      keyPrefix,
      dataDir: join(work, name),
      env,
    });
    onCleanup(() => kiln.stop());
    const user = await signUp(kiln.baseUrl, name);
    const socket = await connectSocket(kiln.baseUrl, user.token);
    onCleanup(() => socket.close());
    stores[name] = { kiln, user, socket, large: [], small: [] };
  }

  const run = async ({ kiln, user, socket }, path, filename) => {
    const t0 = performance.now();
    const response = await upload(kiln.baseUrl, user.token, [{ path, filename }]);
    const { taskId } = expectStatus(response, 201, 'upload').assets[0];
    const done = await socket.waitFor(
      (e) =>
        e.payload?.taskId === taskId && (e.name === 'task.succeeded' || e.name === 'task.failed'),
      120_000,
    );
    if (done.name !== 'task.succeeded')
      throw new Error(`task failed: ${JSON.stringify(done.payload)}`);
    return performance.now() - t0;
  };

  for (let round = 0; round < ROUNDS; round++) {
    // A fresh image per store and round: nothing is in the bucket or the cache already.
    for (const [name, store] of Object.entries(stores)) {
      const image = await generatePng(join(work, `large-${name}-${round}.png`), 4096, {
        seed: 1000 + round * 2 + (name === 's3' ? 1 : 0),
      });
      const ms = await run(store, image.path, 'large.png');
      store.large.push(ms);
      console.log(`round ${round + 1} ${name}: 4096² PNG ${fmt(ms)} ms`);
      rmSync(image.path, { force: true });
    }
  }
  for (let i = 0; i < SMALL; i++) {
    for (const [name, store] of Object.entries(stores)) {
      const image = await generatePng(join(work, `small-${name}-${i}.png`), 256, {
        seed: 5000 + i * 2 + (name === 's3' ? 1 : 0),
      });
      store.small.push(await run(store, image.path, 'small.png'));
    }
  }

  const rows = ['large', 'small'].map((kind) => {
    const local = median(stores.local[kind]);
    const s3 = median(stores.s3[kind]);
    const ratio = s3 / local;
    return [
      kind === 'large' ? `4096² PNG (n=${ROUNDS})` : `256² PNG one after another (n=${SMALL})`,
      `${fmt(local)} ms`,
      `${fmt(s3)} ms`,
      `${fmt(ratio, 2)}×`,
      `≤ ${TARGET_RATIO}×`,
      ratio <= TARGET_RATIO ? 'yes' : '**no**',
    ];
  });
  console.log(
    table(
      ['POST → task.succeeded, median', 'local', 's3 (s3rver)', 'ratio', 'target', 'met'],
      rows,
    ),
  );
});
