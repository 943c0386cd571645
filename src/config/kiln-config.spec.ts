import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { ConfigError, loadConfig, parseDuration } from './kiln-config';

describe('loadConfig', () => {
  it('uses the documented defaults for an empty environment', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      redisUrl: undefined,
      redisSentinel: undefined,
      localRedisUrl: 'redis://127.0.0.1:6379',
      keyPrefix: 'kiln',
      role: 'all',
      dataDir: resolve('./data'),
      maxUploadBytes: 1073741824,
      zipMaxEntries: 10000,
      zipMaxBytes: 2147483648,
      zipMaxRatio: 200,
      workerConcurrency: availableParallelism(),
      workerHeapMb: 1024,
      workerNice: 10,
      stepTimeoutMs: 300000,
      progressHz: 5,
      benchSteps: false,
      shutdownGraceMs: 30000,
      streamMaxEvents: 10000,
      streamTtlSeconds: 86400,
      socketMaxBufferedEvents: 1000,
      jwtSecret: undefined,
      jwtTtlSeconds: 3600,
      uploadIdleTimeoutMs: 30000,
      corsOrigins: ['http://localhost:*', 'http://127.0.0.1:*', 'http://[::1]:*'],
      loginMaxFailuresPerUser: 10,
      loginMaxFailuresPerAddress: 50,
      loginFailureWindowSeconds: 900,
      outputUrlTtlSeconds: 900,
      webDir: resolve(__dirname, '..', '..', 'web', 'dist'),
      production: false,
      storage: 'local',
      s3: undefined,
      cacheDir: resolve('./data/cache'),
      cacheMaxBytes: 10737418240,
    });
  });

  it('reads the bucket when KILN_STORAGE=s3, and the worker cache beside it', () => {
    expect(
      loadConfig({
        KILN_STORAGE: 's3',
        S3_ENDPOINT: 'http://127.0.0.1:9000/',
        S3_BUCKET: 'kiln-blobs',
        S3_REGION: 'eu-west-1',
        S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
        S3_SECRET_ACCESS_KEY: 'secret-example',
        S3_FORCE_PATH_STYLE: '1',
        KILN_S3_REDIRECT: '1',
        KILN_CACHE_DIR: '/var/cache/kiln',
        KILN_CACHE_MAX_BYTES: '1000000',
      }),
    ).toMatchObject({
      storage: 's3',
      s3: {
        endpoint: 'http://127.0.0.1:9000',
        bucket: 'kiln-blobs',
        region: 'eu-west-1',
        credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret-example' },
        forcePathStyle: true,
        redirect: true,
      },
      cacheDir: '/var/cache/kiln',
      cacheMaxBytes: 1000000,
    });
    expect(loadConfig({ KILN_STORAGE: 's3', S3_BUCKET: 'b' }).s3).toEqual({
      endpoint: undefined,
      bucket: 'b',
      region: 'us-east-1',
      credentials: undefined,
      forcePathStyle: false,
      redirect: false,
    });
  });

  it('reads the sentinels and the master name, both or neither', () => {
    expect(
      loadConfig({ REDIS_SENTINELS: 's1:26379, 10.0.0.2:26380', REDIS_SENTINEL_NAME: 'kiln' })
        .redisSentinel,
    ).toEqual({
      sentinels: [
        { host: 's1', port: 26379 },
        { host: '10.0.0.2', port: 26380 },
      ],
      name: 'kiln',
    });
    expect(() => loadConfig({ REDIS_SENTINEL_NAME: 'kiln' })).toThrow(
      'REDIS_SENTINELS and REDIS_SENTINEL_NAME must be set together',
    );
    expect(() => loadConfig({ REDIS_SENTINELS: 's1', REDIS_SENTINEL_NAME: 'kiln' })).toThrow(
      'REDIS_SENTINELS="s1" is not a comma-separated list of host:port',
    );
  });

  it('refuses s3 storage without a bucket or with half a key pair, never printing the secret', () => {
    expect(() =>
      loadConfig({
        KILN_STORAGE: 's3',
        S3_SECRET_ACCESS_KEY: 'do-not-print-me',
        S3_ENDPOINT: 'minio:9000',
      }),
    ).toThrow(
      new ConfigError([
        'S3_BUCKET must be set when KILN_STORAGE=s3',
        'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together',
        'S3_ENDPOINT="minio:9000" is not an http:// or https:// URL',
      ]),
    );
    expect(() => loadConfig({ KILN_STORAGE: 'gcs' })).toThrow(
      'KILN_STORAGE="gcs" is not local or s3',
    );
  });

  it('reads every variable it documents', () => {
    const config = loadConfig({
      PORT: '0',
      REDIS_URL: 'redis://10.0.0.1:6380/2',
      KILN_LOCAL_REDIS_URL: 'redis://127.0.0.1:6390',
      KILN_KEY_PREFIX: 'kiln-test',
      KILN_ROLE: 'worker',
      KILN_DATA_DIR: '/tmp/kiln-data',
      KILN_MAX_UPLOAD_BYTES: '1000',
      KILN_WORKER_CONCURRENCY: '3',
      KILN_WORKER_HEAP_MB: '2048',
      KILN_WORKER_NICE: '0',
      KILN_STEP_TIMEOUT_MS: '5000',
      KILN_PROGRESS_HZ: '10',
      KILN_SHUTDOWN_GRACE_MS: '0',
      KILN_STREAM_MAX_EVENTS: '500',
      KILN_STREAM_TTL_S: '600',
      KILN_SOCKET_MAX_BUFFERED_EVENTS: '50',
      JWT_SECRET: 'a-secret-of-enough-length',
      JWT_TTL: '15m',
      KILN_UPLOAD_IDLE_TIMEOUT_MS: '5000',
      KILN_CORS_ORIGINS: 'https://App.example.com/, http://localhost:*',
      KILN_LOGIN_MAX_FAILURES_PER_USER: '3',
      KILN_LOGIN_MAX_FAILURES_PER_ADDRESS: '7',
      KILN_LOGIN_FAILURE_WINDOW: '1h',
      KILN_OUTPUT_URL_TTL: '2m',
      KILN_WEB_DIR: '/srv/kiln-web',
    });
    expect(config).toMatchObject({
      port: 0,
      redisUrl: 'redis://10.0.0.1:6380/2',
      localRedisUrl: 'redis://127.0.0.1:6390',
      keyPrefix: 'kiln-test',
      role: 'worker',
      dataDir: '/tmp/kiln-data',
      maxUploadBytes: 1000,
      workerConcurrency: 3,
      workerHeapMb: 2048,
      workerNice: 0,
      stepTimeoutMs: 5000,
      progressHz: 10,
      shutdownGraceMs: 0,
      streamMaxEvents: 500,
      streamTtlSeconds: 600,
      socketMaxBufferedEvents: 50,
      jwtSecret: 'a-secret-of-enough-length',
      jwtTtlSeconds: 900,
      uploadIdleTimeoutMs: 5000,
      corsOrigins: ['https://app.example.com', 'http://localhost:*'],
      loginMaxFailuresPerUser: 3,
      loginMaxFailuresPerAddress: 7,
      loginFailureWindowSeconds: 3600,
      outputUrlTtlSeconds: 120,
      webDir: '/srv/kiln-web',
    });
  });

  it('reads KILN_PROGRESS_HZ=0 as no coalescing, and KILN_BENCH_STEPS=1 outside production only', () => {
    expect(loadConfig({ KILN_PROGRESS_HZ: '0', KILN_BENCH_STEPS: '1' })).toMatchObject({
      progressHz: 0,
      benchSteps: true,
    });
    const production = { NODE_ENV: 'production', JWT_SECRET: 'a-secret-of-enough-length' };
    expect(loadConfig({ ...production, KILN_BENCH_STEPS: '1' }).benchSteps).toBe(false);
    expect(() => loadConfig({ KILN_BENCH_STEPS: 'yes' })).toThrow(
      'Invalid configuration: KILN_BENCH_STEPS="yes" is not 0 or 1',
    );
  });

  it('reads the zip caps, and refuses a cap of 0 or a fraction', () => {
    expect(
      loadConfig({
        KILN_ZIP_MAX_ENTRIES: '50',
        KILN_ZIP_MAX_BYTES: '1048576',
        KILN_ZIP_MAX_RATIO: '20',
      }),
    ).toMatchObject({ zipMaxEntries: 50, zipMaxBytes: 1048576, zipMaxRatio: 20 });
    expect(() =>
      loadConfig({
        KILN_ZIP_MAX_ENTRIES: '0',
        KILN_ZIP_MAX_BYTES: '-1',
        KILN_ZIP_MAX_RATIO: '2.5',
      }),
    ).toThrow(
      'Invalid configuration: KILN_ZIP_MAX_ENTRIES="0" is not a positive number of entries; KILN_ZIP_MAX_BYTES="-1" is not a positive number of bytes; KILN_ZIP_MAX_RATIO="2.5" is not a positive whole number',
    );
  });

  it('refuses a stream that keeps no event or never expires, listing both', () => {
    expect(() => loadConfig({ KILN_STREAM_MAX_EVENTS: '0', KILN_STREAM_TTL_S: '1h' })).toThrow(
      'Invalid configuration: KILN_STREAM_MAX_EVENTS="0" is not a positive whole number of events; KILN_STREAM_TTL_S="1h" is not a positive number of seconds',
    );
  });

  it('refuses a socket buffer of fewer than 2 events (replay sends half of it at a time)', () => {
    expect(() => loadConfig({ KILN_SOCKET_MAX_BUFFERED_EVENTS: '1' })).toThrow(
      'Invalid configuration: KILN_SOCKET_MAX_BUFFERED_EVENTS="1" is not a whole number of events (at least 2)',
    );
  });

  it('allows no extra CORS origin in production unless KILN_CORS_ORIGINS lists some', () => {
    const secret = { NODE_ENV: 'production', JWT_SECRET: 'a-secret-of-enough-length' };
    expect(loadConfig(secret).corsOrigins).toEqual([]);
    expect(
      loadConfig({ ...secret, KILN_CORS_ORIGINS: 'https://app.example.com' }).corsOrigins,
    ).toEqual(['https://app.example.com']);
    expect(loadConfig({ KILN_CORS_ORIGINS: 'none' }).corsOrigins).toEqual([]);
    expect(() => loadConfig({ KILN_CORS_ORIGINS: 'app.example.com' })).toThrow(
      'KILN_CORS_ORIGINS="app.example.com" is not a comma-separated list of origins',
    );
  });

  it('never prints a secret, not even a bad one, nor the credentials in a URL', () => {
    const secret = 'hunter2-short';
    let caught: unknown;
    try {
      loadConfig({ JWT_SECRET: secret, REDIS_URL: 'tcp://kiln:s3cr3t-pw@10.0.0.1:6379' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const { message, problems } = caught as ConfigError;
    expect(problems).toEqual([
      'REDIS_URL="tcp://***@10.0.0.1:6379" is not a redis:// or rediss:// URL',
      'JWT_SECRET=(hidden, 13 characters) is not at least 16 characters long',
    ]);
    expect(message).not.toContain(secret);
    expect(message).not.toContain('s3cr3t-pw');
  });

  it('lists every bad key at once', () => {
    let caught: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        KILN_ROLE: 'both',
        REDIS_URL: 'localhost:6379',
        JWT_TTL: 'soon',
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).problems).toEqual([
      'PORT="eighty" is not a port number (0-65535)',
      'REDIS_URL="localhost:6379" is not a redis:// or rediss:// URL',
      'KILN_ROLE="both" is not api, worker or all',
      'JWT_TTL="soon" is not a duration such as 3600, 90s, 15m, 1h or 7d',
    ]);
  });

  it('refuses production without JWT_SECRET', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      'JWT_SECRET must be set when NODE_ENV=production',
    );
  });
});

describe('parseDuration', () => {
  it.each([
    ['3600', 3600],
    ['90s', 90],
    ['15m', 900],
    ['1h', 3600],
    ['7d', 604800],
    ['0', undefined],
    ['1w', undefined],
  ])('parses %s as %s seconds', (raw, seconds) => {
    expect(parseDuration(raw)).toBe(seconds);
  });
});
