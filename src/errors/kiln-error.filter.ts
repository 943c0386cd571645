import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Response } from 'express';
import type { ErrorBody } from '../contract';
import { KilnError } from './kiln-error';

const CODE_BY_STATUS: Record<number, string> = {
  [HttpStatus.BAD_REQUEST]: 'BAD_REQUEST',
  [HttpStatus.UNAUTHORIZED]: 'UNAUTHORIZED',
  [HttpStatus.FORBIDDEN]: 'FORBIDDEN',
  [HttpStatus.NOT_FOUND]: 'NOT_FOUND',
  [HttpStatus.CONFLICT]: 'CONFLICT',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'UPLOAD_TOO_LARGE',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'UNSUPPORTED_KIND',
};

@Catch()
export class KilnErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(KilnErrorFilter.name);

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(error);
    if (body.statusCode >= 500) this.logger.error(error instanceof Error ? error.stack : error);
    if (response.headersSent) {
      response.end();
      return;
    }
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
    return {
      statusCode: 500,
      code: 'INTERNAL',
      message: 'Something went wrong on our side; try again.',
    };
  }
}
