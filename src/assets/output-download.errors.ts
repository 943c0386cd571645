import { HttpStatus } from '@nestjs/common';
import { KilnError } from '../errors/kiln-error';

/** A `Range` no byte of the output falls in (past its end, or last before first). */
export class RangeNotSatisfiableError extends KilnError {
  constructor(name: string, bytes: number) {
    super(
      'RANGE_NOT_SATISFIABLE',
      `The Range asks for no byte of "${name}", which has ${bytes} bytes (first byte 0, last ${bytes - 1}).`,
      HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
      { 'Content-Range': `bytes */${bytes}` },
    );
  }
}
