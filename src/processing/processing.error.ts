/**
 * A step failed. `retryable: false` means the input itself is bad (corrupt, lying, too big),
 * so running it again cannot help; the task fails at once.
 */
export class ProcessingError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'ProcessingError';
  }
}
