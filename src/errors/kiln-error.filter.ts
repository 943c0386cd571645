import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import type { ErrorBody } from '../contract';
import { KilnError } from './kiln-error';
import { PayloadTooLargeError } from './payload-too-large.error';

const CODE_BY_STATUS: Record<number, string> = {
  [HttpStatus.BAD_REQUEST]: 'BAD_REQUEST',
  [HttpStatus.UNAUTHORIZED]: 'UNAUTHORIZED',
  [HttpStatus.FORBIDDEN]: 'FORBIDDEN',
  [HttpStatus.NOT_FOUND]: 'NOT_FOUND',
  [HttpStatus.CONFLICT]: 'CONFLICT',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'PAYLOAD_TOO_LARGE',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'UNSUPPORTED_KIND',
};

const INTERNAL: ErrorBody = {
  statusCode: 500,
  code: 'INTERNAL',
  message: 'Something went wrong on our side; try again.',
};

/** An error body-parser raises while reading a JSON or form body (see `http-errors`). */
interface BodyReadError {
  status: number;
  type: string;
  limit?: number;
}

@Catch()
export class KilnErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(KilnErrorFilter.name);

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const body = this.toBody(error);
    if (body.statusCode >= 500) this.logger.error(error instanceof Error ? error.stack : error);
    if (response.headersSent) {
      response.end();
      return;
    }
    // A handler may have set headers for the answer it meant to give (a download's type and ETag).
    for (const header of ['Content-Type', 'Content-Range', 'ETag', 'Cache-Control'])
      response.removeHeader(header);
    if (error instanceof KilnError) response.set(error.headers);
    if (request.complete) {
      response.status(body.statusCode).json(body);
    } else {
      answerAndClose(request, response, body);
    }
  }

  private toBody(error: unknown): ErrorBody {
    if (error instanceof KilnError) {
      return { statusCode: error.status, code: error.code, message: error.message };
    }
    if (error instanceof HttpException) {
      const statusCode = error.getStatus();
      const answer = error.getResponse();
      // ValidationPipe answers with a list of messages; join them so the body keeps one shape.
      const raw =
        typeof answer === 'object' && answer !== null && 'message' in answer
          ? answer.message
          : error.message;
      const message = Array.isArray(raw) ? raw.join('; ') : String(raw);
      return { statusCode, code: CODE_BY_STATUS[statusCode] ?? `HTTP_${statusCode}`, message };
    }
    if (isBodyReadError(error)) return bodyReadErrorBody(error);
    return INTERNAL;
  }
}

/**
 * How long a connection answered before its body was read stays open after the answer, so a
 * client still sending gets to read the answer before the close resets the connection.
 */
const LINGER_MS = 2000;

/**
 * The answer to a request whose body is not read (a 413, a 401 on an upload, a stalled or
 * refused upload): `Connection: close`, and not a byte more of the body is read. The answer is
 * written at once; the connection closes when the client closes it or LINGER_MS later. Closing
 * with unread bytes sends a reset, and a client that gets it before it reads the answer loses it.
 */
function answerAndClose(request: Request, response: Response, body: ErrorBody): void {
  const payload = Buffer.from(JSON.stringify(body));
  response.status(body.statusCode).set({
    Connection: 'close',
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(payload.length),
  });
  response.write(payload);
  const close = () => {
    clearTimeout(timer);
    response.end();
  };
  const timer = setTimeout(close, LINGER_MS);
  timer.unref();
  request.socket.once('close', close);
}

function isBodyReadError(error: unknown): error is BodyReadError {
  return (
    error instanceof Error &&
    typeof (error as Partial<BodyReadError>).status === 'number' &&
    typeof (error as Partial<BodyReadError>).type === 'string'
  );
}

/** body-parser's errors are the client's mistakes (too big, not JSON), not ours. */
function bodyReadErrorBody(error: BodyReadError): ErrorBody {
  switch (error.type) {
    case 'entity.too.large': {
      const { status, code, message } = new PayloadTooLargeError(error.limit ?? 0);
      return { statusCode: status, code, message };
    }
    case 'entity.parse.failed':
      return {
        statusCode: HttpStatus.BAD_REQUEST,
        code: 'BAD_REQUEST',
        message: 'The request body is not valid JSON.',
      };
    default:
      return error.status >= 400 && error.status < 500
        ? {
            statusCode: error.status,
            code: error.status === 400 ? 'BAD_REQUEST' : `HTTP_${error.status}`,
            message: `The request body could not be read (${error.type}).`,
          }
        : INTERNAL;
  }
}
