import 'reflect-metadata';
import { type INestApplicationContext, Logger, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { AddressInfo } from 'node:net';
import { AppModule, roleParts } from './app.module';
import { ConfigError, KILN_CONFIG, type KilnConfig, loadConfig } from './config/kiln-config';
import { KilnErrorFilter } from './errors/kiln-error.filter';
import { BODY_LIMIT_BYTES, refuseOversizedBodies } from './http/body-limit';
import { CorsPolicy } from './http/cors-policy';
import { type LocatedRedis, locateRedis, RedisUnavailableError } from './redis/redis-locator';

const logger = new Logger('Kiln');

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const redis = await locateRedis(config.redisUrl, config.dataDir);
  logger.log(`Redis at ${redis.url} (${redis.source})`);
  const module = AppModule.forRole(config, redis.url);

  let app: INestApplicationContext;
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
    logger.log(`Kiln (worker) processing tasks with concurrency ${config.workerConcurrency}`);
  }
  drainOnSignals(app, redis, config);
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
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Kiln')
      .setDescription(
        'Upload 3D and 2D assets, process them on parallel workers, and follow every task live on the ' +
          'Socket.IO namespace `/realtime` (events: task.queued, task.started, task.progress, task.succeeded, ' +
          'task.failed, task.cancelled). Errors answer `{statusCode, code, message}`.',
      )
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

/**
 * SIGTERM/SIGINT: stop taking jobs, let running steps finish within KILN_SHUTDOWN_GRACE_MS,
 * close connections, stop an embedded Redis, exit.
 */
function drainOnSignals(
  app: INestApplicationContext,
  redis: LocatedRedis,
  config: KilnConfig,
): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.log(`${signal}: draining (up to ${config.shutdownGraceMs} ms)`);
    setTimeout(() => {
      logger.error(`Shutdown took longer than ${config.shutdownGraceMs} ms; exiting anyway`);
      process.exit(1);
    }, config.shutdownGraceMs).unref();
    app
      .close()
      .then(() => redis.stop?.())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error('Shutdown failed', error);
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

bootstrap().catch((error: unknown) => {
  // Known start-up problems get one clear line, not a stack.
  if (error instanceof ConfigError || error instanceof RedisUnavailableError) {
    console.error(`Kiln cannot start: ${error.message}`);
  } else {
    console.error('Kiln cannot start:', error);
  }
  process.exit(1);
});
