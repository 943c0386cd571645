import { ProcessingError } from '../processing.error';
import type { StepContext, StepRequest, StepResult } from '../step.types';

/** Placeholder until the render branch is merged (replaced at merge). */
export function renderMesh(
  request: StepRequest,
  ctx: StepContext,
  modelGlbPath: string,
): Promise<StepResult> {
  return Promise.reject(
    new ProcessingError(
      'STEP_NOT_SUPPORTED',
      `The render step is not available yet (${modelGlbPath}).`,
    ),
  );
}
