import { HttpStatus } from '@nestjs/common';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { RangeNotSatisfiableError } from './output-download.errors';

/**
 * Answers a download from a stream, as express's `sendFile` answers one from a file: the ETag
 * and Content-Type are set already; `If-None-Match` gives 304, one satisfiable `Range` gives 206
 * (an `If-Range` that is not the ETag, a malformed or a multiple range: the whole, 200), none
 * satisfiable gives 416. HEAD gets the headers only.
 */
export async function sendStream(
  request: Request,
  response: Response,
  size: number,
  open: (range?: { start: number; end: number }) => Promise<NodeJS.ReadableStream>,
  name: string,
): Promise<void> {
  response.setHeader('Accept-Ranges', 'bytes');
  if (request.fresh) {
    response.status(HttpStatus.NOT_MODIFIED).end();
    return;
  }
  let range: { start: number; end: number } | undefined;
  const ifRange = request.headers['if-range'];
  if (request.headers.range && (ifRange === undefined || ifRange === response.get('ETag'))) {
    const ranges = request.range(size, { combine: true });
    if (ranges === -1) throw new RangeNotSatisfiableError(name, size);
    if (Array.isArray(ranges) && ranges.type === 'bytes' && ranges.length === 1) range = ranges[0];
  }
  if (range) {
    response.status(HttpStatus.PARTIAL_CONTENT);
    response.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
  }
  response.setHeader('Content-Length', range ? range.end - range.start + 1 : size);
  if (request.method === 'HEAD' || size === 0) {
    response.end();
    return;
  }
  const body = await open(range);
  try {
    await pipeline(body, response);
  } catch (error) {
    // The client went away mid-download: there is no one left to answer.
    if (
      response.destroyed ||
      (error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE'
    )
      return;
    // Headers and some bytes went already: all that is left is to cut the response short.
    if (response.headersSent) {
      response.destroy(error as Error);
      return;
    }
    throw error;
  }
}
