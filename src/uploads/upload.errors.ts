import { HttpStatus } from '@nestjs/common';
import { KilnError } from '../errors/kiln-error';

export class UploadTooLargeError extends KilnError {
  constructor(filename: string, limit: number) {
    super(
      'UPLOAD_TOO_LARGE',
      `"${filename}" is larger than the ${limit}-byte limit per file (KILN_MAX_UPLOAD_BYTES); nothing was stored.`,
      HttpStatus.PAYLOAD_TOO_LARGE,
    );
  }
}

export class UnsupportedKindError extends KilnError {
  constructor(filename: string) {
    super(
      'UNSUPPORTED_KIND',
      `"${filename}" is not a file Kiln can process (its bytes match no supported format: png, jpeg, webp, tiff, gif, avif, tga, exr, hdr); nothing was stored.`,
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    );
  }
}

export class BadUploadError extends KilnError {
  constructor(message: string) {
    super('BAD_UPLOAD', message, HttpStatus.BAD_REQUEST);
  }
}

export class UploadIdleTimeoutError extends KilnError {
  constructor(idleTimeoutMs: number) {
    super(
      'UPLOAD_IDLE_TIMEOUT',
      `The upload sent no byte for ${idleTimeoutMs} ms (KILN_UPLOAD_IDLE_TIMEOUT_MS) and was cut; nothing was stored. Send it again.`,
      HttpStatus.REQUEST_TIMEOUT,
    );
  }
}
