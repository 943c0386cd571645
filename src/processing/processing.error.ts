import type { StepName } from './step.types';

/**
 * A step failed. `retryable: false` means the input itself is bad (corrupt, lying, too big),
 * so running it again cannot help; the task fails at once. `step` names the step that failed,
 * when it is known.
 */
export class ProcessingError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable = false,
    readonly step?: StepName,
  ) {
    super(message);
    this.name = 'ProcessingError';
  }
}
