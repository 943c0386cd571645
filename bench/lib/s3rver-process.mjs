/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access --
   Plain JavaScript run by node without a compile step: values from IPC are untyped (`any`) to
   the type-aware rules, which are meant for the TypeScript sources. */
// An s3rver in a process of its own (forked by s3-storage.mjs), so its CPU is measured apart from
// the bench's. With S3RVER_TRACE=<file>, each request is appended there as a JSON line: method,
// path, query, status, bytes in (Content-Length), ms from the headers to the response's end.
import { appendFileSync } from 'node:fs';
import S3rver from 's3rver';

const trace = process.env.S3RVER_TRACE;
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: process.env.S3RVER_DIR,
  configureBuckets: [{ name: process.env.S3RVER_BUCKET ?? 'bench', configs: [] }],
});
if (trace) {
  // First in Koa's chain: the whole request, body included.
  server.middleware.unshift(async (ctx, next) => {
    const t0 = performance.now();
    const at = Date.now();
    // From the header: a 'data' listener here would start the body flowing before s3rver reads it.
    const bytes = Number(ctx.get('content-length') || 0);
    ctx.res.once('finish', () => {
      const line = {
        at,
        method: ctx.method,
        path: ctx.path,
        query: ctx.querystring,
        status: ctx.status,
        bytesIn: bytes,
        ms: Math.round((performance.now() - t0) * 10) / 10,
      };
      appendFileSync(trace, `${JSON.stringify(line)}\n`);
    });
    await next();
  });
}
const { port } = await server.run();
process.send({ port });
process.on('disconnect', () => void server.close().finally(() => process.exit(0)));
