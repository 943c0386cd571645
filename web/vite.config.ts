import react from '@vitejs/plugin-react';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Where `npm run dev`'s API listens; the dev server forwards the API's paths there. */
const API = process.env.KILN_API_URL ?? 'http://localhost:3000';
/** The API's first path segments (the socket's namespace `/realtime` travels over `/socket.io`). */
const API_PATHS = ['/auth', '/uploads', '/assets', '/tasks', '/health', '/docs', '/docs-json'];

export default defineConfig({
  root: HERE,
  plugins: [react()],
  resolve: {
    // The SDK's sources (and through them the server's contract), not its build: one copy of the
    // event types, and the dashboard builds without building the SDK first.
    alias: { '@kiln/client': join(HERE, '../sdk/src/index.ts') },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Under `static/`: the API serves the dashboard beside its own routes, and `/assets` is one.
    assetsDir: 'static',
    // three.js is most of it; one chunk loads once and is cached.
    chunkSizeWarningLimit: 1200,
  },
  server: {
    port: Number(process.env.KILN_WEB_PORT ?? 5173),
    proxy: {
      ...Object.fromEntries(API_PATHS.map((path) => [path, { target: API }])),
      '/socket.io': { target: API, ws: true },
    },
  },
});
