import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';
import type { IncomingMessage } from 'node:http';

/** Response headers a browser page may read besides the always-readable ones. */
const EXPOSED_HEADERS = ['ETag', 'Content-Range', 'Accept-Ranges', 'Retry-After'];

/**
 * Which browser origins may call Kiln: the API's own origin, plus the configured ones
 * (KILN_CORS_ORIGINS: exact origins, `scheme://host:*` for any port, or `*`). A request without
 * an `Origin` header does not come from another site's page and is always allowed.
 */
export class CorsPolicy {
  private readonly any: boolean;
  private readonly exact = new Set<string>();
  /** `scheme://hostname` of entries that allow any port. */
  private readonly anyPort = new Set<string>();

  constructor(allowed: readonly string[]) {
    this.any = allowed.includes('*');
    for (const entry of allowed) {
      if (entry === '*') continue;
      if (entry.endsWith(':*')) this.anyPort.add(entry.slice(0, -2));
      else this.exact.add(new URL(entry).origin);
    }
  }

  /** True when a page of `origin` may call an API reached as `host` (the request's Host header). */
  allows(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined) return true;
    if (this.any) return true;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false; // `null` (a sandboxed page, a file) or garbage
    }
    if (host !== undefined && url.host === host.toLowerCase().replace(/:(80|443)$/, ''))
      return true;
    return this.exact.has(url.origin) || this.anyPort.has(`${url.protocol}//${url.hostname}`);
  }

  /** For `app.enableCors`: the request's origin is echoed when allowed, else no CORS header. */
  expressOptions(): (
    request: IncomingMessage,
    callback: (error: Error | null, options: CorsOptions) => void,
  ) => void {
    return (request, callback) =>
      callback(null, {
        origin: this.allows(request.headers.origin, request.headers.host),
        exposedHeaders: EXPOSED_HEADERS,
        maxAge: 600,
      });
  }
}
