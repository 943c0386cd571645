import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { ConfigError, loadConfig, parseDuration } from './kiln-config';

describe('loadConfig', () => {
  it('uses the documented defaults for an empty environment', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      redisUrl: undefined,
      localRedisUrl: 'redis://127.0.0.1:6379',
      keyPrefix: 'kiln',
      role: 'all',
      dataDir: resolve('./data'),
      maxUploadBytes: 1073741824,
      workerConcurrency: availableParallelism(),
      stepTimeoutMs: 300000,
      progressHz: 5,
      shutdownGraceMs: 30000,
      jwtSecret: undefined,
      jwtTtlSeconds: 3600,
      production: false,
    });
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
      KILN_STEP_TIMEOUT_MS: '5000',
      KILN_PROGRESS_HZ: '10',
      KILN_SHUTDOWN_GRACE_MS: '0',
      JWT_SECRET: 'a-secret-of-enough-length',
      JWT_TTL: '15m',
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
      stepTimeoutMs: 5000,
      progressHz: 10,
      shutdownGraceMs: 0,
      jwtSecret: 'a-secret-of-enough-length',
      jwtTtlSeconds: 900,
    });
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
