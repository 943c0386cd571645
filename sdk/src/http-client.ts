import { KilnApiError } from './errors';
import type { ErrorBody } from './rest-types';

/** JSON over fetch against one Kiln, with the session's bearer token once signed in. */
export class HttpClient {
  token: string | undefined;

  constructor(
    /** e.g. `http://localhost:3000`, no trailing slash. */
    readonly baseUrl: string,
  ) {}

  /** `path` and `init` as for fetch; the answer's JSON (undefined for 202/204). Throws KilnApiError. */
  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { ...this.authHeader() };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(this.url(path), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new KilnApiError(
        0,
        'NETWORK_ERROR',
        `Kiln at ${this.baseUrl} could not be reached: ${String(error)}`,
      );
    }
    return readAnswer<T>(response.status, await response.text());
  }

  authHeader(): Record<string, string> {
    return this.token ? { Authorization: `Bearer ${this.token}` } : {};
  }

  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }
}

/** The parsed body of a 2xx answer, or the KilnApiError its error body describes. */
export function readAnswer<T>(status: number, text: string): T {
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new KilnApiError(
      status || 0,
      'NETWORK_ERROR',
      `Kiln answered ${status} with a body that is not JSON`,
    );
  }
  if (status >= 200 && status < 300) return parsed as T;
  const error = (parsed ?? {}) as Partial<ErrorBody>;
  throw new KilnApiError(
    status,
    error.code ?? `HTTP_${status}`,
    error.message ?? `Kiln answered ${status}`,
  );
}
