import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import type { S3Settings } from '../../src/config/kiln-config';

/** A real S3-protocol server (s3rver) on a free port, files in a temp folder, with one bucket. */
export interface TestS3 {
  settings: S3Settings;
  /** The `S3_*` variables that point a Kiln process at the bucket. */
  env: Record<string, string>;
  /** The folder s3rver keeps its buckets in. */
  directory: string;
  stop(): Promise<void>;
}

export async function startTestS3(bucket = 'kiln-test'): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 'kiln-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const { port } = await server.run();
  const settings: S3Settings = {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    region: 'us-east-1',
    // s3rver's fixed key pair.
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    forcePathStyle: true,
    redirect: false,
  };
  return {
    settings,
    directory,
    env: {
      KILN_STORAGE: 's3',
      S3_ENDPOINT: settings.endpoint as string,
      S3_BUCKET: bucket,
      S3_REGION: settings.region,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: '1',
    },
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
