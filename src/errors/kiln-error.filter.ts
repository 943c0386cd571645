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
    if (error instanceof KilnError) response.set(error.headers);
    // Answered before the body was read (a 413, a 401 on an upload, a stalled upload): say so and
    // close, instead of reading what is left of the body only to throw it away.
    if (!request.complete) closeAfterAnswer(response);
    response.status(body.statusCode).json(body);
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
 * Marks the answer `Connection: close`: Node then closes the socket as soon as the answer is
 * flushed, so the rest of an unread body is never read.
 */
function closeAfterAnswer(response: Response): void {
  response.setHeader('Connection', 'close');
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
    case 'entity.too.large':
      return {
        statusCode: HttpStatus.PAYLOAD_TOO_LARGE,
        code: 'PAYLOAD_TOO_LARGE',
        message: `The request body is larger than the ${error.limit ?? 102400}-byte limit for JSON and form bodies; files go to POST /uploads.`,
      };
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
