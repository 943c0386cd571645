import { HttpStatus } from '@nestjs/common';

/**
 * The one error type that crosses a boundary (REST answer, task failure, socket refusal).
 * `code` is stable and documented; `message` tells a person what to do about it; `headers` go
 * on a REST answer (`Retry-After`, `Content-Range`).
 */
export class KilnError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: HttpStatus = HttpStatus.BAD_REQUEST,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'KilnError';
  }
}

export class NotFoundError extends KilnError {
  constructor(code: string, message: string) {
    super(code, message, HttpStatus.NOT_FOUND);
  }
}
