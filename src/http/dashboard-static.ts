import express, { type RequestHandler } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** What `/` answers when no dashboard is built: a person reading it learns where to go. */
export const NO_DASHBOARD_NOTE =
  'Kiln API is running. No dashboard is built here (KILN_WEB_DIR); the API docs are at /docs.\n';

/**
 * Serves the built dashboard (a single-page app) from `webDir` at `/`: its files as they are, and
 * `index.html` for any other page path a browser asks for, so the app's own routes survive a
 * reload. It runs before Nest's routes and steps aside for every path whose first segment is
 * one of the API's (`apiSegments`), so it can never shadow an API route: the dashboard keeps its
 * files and pages under other names (e.g. Vite's `build.assetsDir: 'static'`). Without a
 * built dashboard `/` answers a short note and everything else falls through to the API.
 */
export function dashboardStatic(webDir: string, apiSegments: readonly string[]): RequestHandler {
  const reserved = new Set(apiSegments);
  const indexHtml = join(webDir, 'index.html');
  const files = express.static(webDir, { index: ['index.html'], redirect: false });
  return (request, response, next) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return next();
    if (reserved.has(request.path.split('/')[1] ?? '')) return next();
    // Looked up on every request, so a dashboard built while Kiln runs is served at once.
    if (!existsSync(indexHtml)) {
      if (request.path !== '/') return next();
      response.type('text/plain').send(NO_DASHBOARD_NOTE);
      return;
    }
    files(request, response, (error?: unknown) => {
      if (error) return next(error);
      // A missing script or image is a 404, not the app: only a page request gets index.html.
      if (!request.accepts('html') || /\.[a-z0-9]+$/i.test(request.path)) return next();
      response.setHeader('Cache-Control', 'no-cache');
      response.sendFile(indexHtml, (sendError?: Error) => sendError && next(sendError));
    });
  };
}
