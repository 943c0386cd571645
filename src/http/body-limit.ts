import type { NextFunction, Request, Response } from 'express';
import { PayloadTooLargeError } from '../errors/payload-too-large.error';

/** The most a JSON or form body may hold (body-parser's default, made explicit). */
export const BODY_LIMIT_BYTES = 100 * 1024;

/**
 * Refuses a JSON or form body whose `Content-Length` is over the limit before a byte of it is
 * read: body-parser would read all of it first, only to throw it away. (Its own check still
 * stops a chunked body at the limit.) Files go to POST /uploads, which streams them.
 */
export function refuseOversizedBodies(
  request: Request,
  _response: Response,
  next: NextFunction,
): void {
  const declared = Number(request.headers['content-length'] ?? 0);
  const multipart = /^multipart\//i.test(request.headers['content-type'] ?? '');
  next(
    declared > BODY_LIMIT_BYTES && !multipart
      ? new PayloadTooLargeError(BODY_LIMIT_BYTES)
      : undefined,
  );
}
