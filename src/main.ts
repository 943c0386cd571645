import 'reflect-metadata';
import { type INestApplicationContext, Logger, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import type { AddressInfo } from 'node:net';
import { constants } from 'node:os';
import { AppModule, roleParts } from './app.module';
import { ConfigError, KILN_CONFIG, type KilnConfig, loadConfig } from './config/kiln-config';
import { KilnErrorFilter } from './errors/kiln-error.filter';
import { BODY_LIMIT_BYTES, refuseOversizedBodies } from './http/body-limit';
import { CorsPolicy } from './http/cors-policy';
import { dashboardStatic } from './http/dashboard-static';
import { apiPathSegments, buildOpenApiDocument } from './http/openapi-document';
import {
  describeRedis,
  type LocatedRedis,
  locateRedis,
  RedisUnavailableError,
} from './redis/redis-locator';
import { evictionWarning } from './redis/eviction-policy';
import { sentinelDisplayUrl } from './redis/sentinel-url';
import { checkBucket, StorageUnavailableError } from './storage/s3-storage';
import { TASK_WORKER_OPTIONS } from './tasks/queue/task-queue.constants';
import { TaskProcessor } from './tasks/worker/task.processor';

const logger = new Logger('Kiln');

async function bootstrap(): Promise<void> {
  const signals = listenForStop();
  const config = loadConfig();
  // Before Redis and Nest: a bucket that cannot be used is one clear line, not a stack.
  if (config.s3) await checkBucket(config.s3);
  const redis: LocatedRedis = config.redisSentinel
    ? // The sentinels answer for the master; ioredis asks them on every (re)connection.
      { url: sentinelDisplayUrl(config.redisUrl, config.redisSentinel), source: 'sentinel' }
    : await locateRedis(config.redisUrl, config.dataDir, { localUrl: config.localRedisUrl });
  signals.holdUntilReady();
  const { level, message } = describeRedis(redis, config.keyPrefix, config.localRedisUrl);
  logger[level](message);
  const eviction = config.redisSentinel ? undefined : await evictionWarning(redis.url);
  if (eviction) logger.warn(eviction);
  const module = AppModule.forRole(config, redis.url);

  let app: INestApplicationContext;
  try {
    if (roleParts(config.role).api) {
      const http = await NestFactory.create<NestExpressApplication>(module, { bufferLogs: false });
      configureHttp(http);
      await http.listen(config.port, process.env.HOST ?? '0.0.0.0');
      const { port } = http.getHttpServer().address() as AddressInfo;
      // Tests and scripts read this line to find the port when PORT=0.
      logger.log(`Kiln (${config.role}) listening on http://127.0.0.1:${port} — API docs at /docs`);
      app = http;
    } else {
      app = await NestFactory.createApplicationContext(module);
      await app.init();
      logger.log(
        `Kiln (worker) processing tasks with concurrency ${config.workerConcurrency} as ${TASK_WORKER_OPTIONS.name}`,
      );
    }
  } catch (error) {
    await redis.stop?.();
    throw error;
  }
  signals.handOver(stopper(app, redis, config));
}

/**
 * SIGTERM/SIGINT from the very start. While Redis is being found they end the process at once
 * (an embedded Redis being started goes with it, see redis-locator.ts); while Nest starts they
 * are held, so an embedded Redis is not left behind, and acted on once the app is up.
 */
function listenForStop(): {
  holdUntilReady(): void;
  handOver(stop: (signal: NodeJS.Signals) => void): void;
} {
  let held: NodeJS.Signals | undefined;
  let act = (signal: NodeJS.Signals): void => process.exit(128 + constants.signals[signal]);
  const listener = (signal: NodeJS.Signals) => act(signal);
  process.on('SIGTERM', listener);
  process.on('SIGINT', listener);
  return {
    holdUntilReady() {
      act = (signal) => void (held ??= signal);
    },
    handOver(stop) {
      act = stop;
      if (held) stop(held);
    },
  };
}

function configureHttp(app: NestExpressApplication): void {
  const config = app.get<KilnConfig>(KILN_CONFIG);
  const server = app.getHttpServer();
  // An upload may take as long as it needs while its bytes keep coming: Node's cap on a whole
  // request (300 s) gives way to an idle limit on every connection (an upload answers 408).
  server.requestTimeout = 0;
  server.timeout = config.uploadIdleTimeoutMs;
  app.enableCors(new CorsPolicy(config.corsOrigins).expressOptions());
  app.use(refuseOversizedBodies);
  app.useBodyParser('json', { limit: BODY_LIMIT_BYTES });
  app.useBodyParser('urlencoded', { limit: BODY_LIMIT_BYTES, extended: true });
  app.useGlobalFilters(new KilnErrorFilter());
  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
  );
  const document = buildOpenApiDocument(app);
  // Before Nest adds its routes, so it must step aside for every API path itself (see there).
  app.use(
    dashboardStatic(config.webDir, [
      ...apiPathSegments(document),
      'docs',
      'docs-json',
      'socket.io',
      'realtime',
    ]),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

/** What the shutdown may take beyond the grace for running steps: closing sockets, connections. */
const CLOSE_BUDGET_MS = 5000;

/**
 * What SIGTERM/SIGINT do, in this order: the task worker takes no new job and lets the running
 * steps finish within KILN_SHUTDOWN_GRACE_MS (handing back what is still running after it); then
 * Nest closes the Socket.IO server and HTTP before the Redis connections they use, and the
 * thread pool; an embedded Redis stops last. A second signal changes nothing.
 */
function stopper(
  app: INestApplicationContext,
  redis: LocatedRedis,
  config: KilnConfig,
): (signal: NodeJS.Signals) => void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const worker = roleParts(config.role).worker;
    logger.log(
      worker
        ? `${signal}: stopping; running tasks get up to ${config.shutdownGraceMs} ms`
        : `${signal}: stopping`,
    );
    // The grace also covers HTTP requests in flight (an upload), which closing the server awaits.
    const deadline = config.shutdownGraceMs + CLOSE_BUDGET_MS;
    setTimeout(() => {
      logger.error(`Stopping took longer than ${deadline} ms; exiting anyway`);
      process.exit(1);
    }, deadline).unref();
    shutDown(app, redis, worker).then(
      () => {
        logger.log('Stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error('Stopping failed', error);
        process.exit(1);
      },
    );
  };
  return stop;
}

async function shutDown(
  app: INestApplicationContext,
  redis: LocatedRedis,
  worker: boolean,
): Promise<void> {
  // Explicitly first, before any module's destroy hook can take away what a running step needs.
  if (worker) await app.get(TaskProcessor, { strict: false }).drain();
  await app.close();
  await redis.stop?.();
}

bootstrap().catch((error: unknown) => {
  // Known start-up problems get one clear line, not a stack.
  if (
    error instanceof ConfigError ||
    error instanceof RedisUnavailableError ||
    error instanceof StorageUnavailableError
  ) {
    console.error(`Kiln cannot start: ${error.message}`);
  } else {
    console.error('Kiln cannot start:', error);
  }
  process.exit(1);
});
