import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { OpenAPIObject } from '@nestjs/swagger';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppModule } from './app.module';
import { loadConfig } from './config/kiln-config';
import { buildOpenApiDocument } from './http/openapi-document';

/**
 * Kiln's OpenAPI document, built without Redis or any other service: Nest's preview mode reads
 * the modules and controllers' decorators without creating a provider (so nothing connects).
 */
export async function openApiDocument(): Promise<OpenAPIObject> {
  const config = loadConfig({ KILN_ROLE: 'api' });
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRole(config, 'redis://unused.invalid:6379'),
    { preview: true, logger: false, abortOnError: false },
  );
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

/** The document as `openapi.json` holds it: two-space JSON and a final newline. */
export function openApiJson(document: OpenAPIObject): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

// `node dist/openapi.js [path]` (npm run openapi) writes the document, by default to ./openapi.json.
if (require.main === module) {
  const target = process.argv[2] ?? join(process.cwd(), 'openapi.json');
  openApiDocument().then(
    (document) => {
      writeFileSync(target, openApiJson(document));
      console.log(`Wrote ${target}`);
    },
    (error: unknown) => {
      console.error('Could not build the OpenAPI document:', error);
      process.exit(1);
    },
  );
}
