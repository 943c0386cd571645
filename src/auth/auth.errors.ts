import { HttpStatus } from '@nestjs/common';
import { KilnError } from '../errors/kiln-error';

/** No token, a bad or expired one, or its session has ended. */
export class UnauthorizedError extends KilnError {
  constructor(message: string) {
    super('UNAUTHORIZED', message, HttpStatus.UNAUTHORIZED);
  }
}

/** Wrong username or password; deliberately the same answer for both. */
export class InvalidCredentialsError extends KilnError {
  constructor() {
    super('INVALID_CREDENTIALS', 'Wrong username or password.', HttpStatus.UNAUTHORIZED);
  }
}

export class UsernameTakenError extends KilnError {
  constructor(username: string) {
    super(
      'USERNAME_TAKEN',
      `The username "${username}" is taken; choose another one.`,
      HttpStatus.CONFLICT,
    );
  }
}

/** Too many failed sign-ins for the username or from the address, within the window. */
export class TooManyAttemptsError extends KilnError {
  constructor(what: 'username' | 'address', retryAfterSeconds: number) {
    super(
      'TOO_MANY_ATTEMPTS',
      `Too many failed sign-ins ${what === 'username' ? 'for this username' : 'from your address'}; try again in ${retryAfterSeconds} s.`,
      HttpStatus.TOO_MANY_REQUESTS,
      { 'Retry-After': String(retryAfterSeconds) },
    );
  }
}
