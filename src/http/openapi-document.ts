import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/**
 * Kiln's OpenAPI document, built from the controllers' decorators: what `/docs` serves, and what
 * `npm run openapi` writes to `openapi.json` (from which the client SDK's REST types are made).
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  return SwaggerModule.createDocument(
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
}

/** The first path segments the API's routes use (`assets`, `tasks`, …), from its document. */
export function apiPathSegments(document: OpenAPIObject): string[] {
  const segments = Object.keys(document.paths).map((path) => path.split('/')[1] ?? '');
  return [...new Set(segments.filter((segment) => segment !== ''))].sort();
}
