import { ProcessingError } from '../processing.error';
import type { StepContext, StepRequest, StepResult } from '../step.types';

/** Placeholder until the optimize branch is merged (replaced at merge). */
export function optimizeMesh(
  request: StepRequest,
  ctx: StepContext,
  modelGlbPath: string,
): Promise<StepResult> {
  return Promise.reject(
    new ProcessingError(
      'STEP_NOT_SUPPORTED',
      `The optimize step is not available yet (${modelGlbPath}).`,
    ),
  );
}
