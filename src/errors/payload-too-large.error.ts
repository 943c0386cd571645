import { HttpStatus } from '@nestjs/common';
import { KilnError } from './kiln-error';

/** A JSON or form body over its limit. */
export class PayloadTooLargeError extends KilnError {
  constructor(limitBytes: number) {
    super(
      'PAYLOAD_TOO_LARGE',
      `The request body is larger than the ${limitBytes}-byte limit for JSON and form bodies; files go to POST /uploads.`,
      HttpStatus.PAYLOAD_TOO_LARGE,
    );
  }
}
