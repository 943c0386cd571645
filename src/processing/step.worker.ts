import { runImagePipeline } from './image/image.pipeline';
import { isStepSupported, stepNotSupported } from './pipelines';
import { checkTaskOptions } from './step-options';
import {
  toStepFailure,
  type ProgressMessage,
  type StepOutcome,
  type StepTask,
} from './step-outcome';
import type { AssetKind, PipelineContext, PipelineRequest, StepResult } from './step.types';

type KindRunner = (request: PipelineRequest, ctx: PipelineContext) => Promise<StepResult>;

/** One runner per asset kind; the mesh, texture-set and substance issues add theirs here. */
const KIND_RUNNERS: Partial<Record<AssetKind, KindRunner>> = {
  image: runImagePipeline,
};

/** The piscina task entry: runs the requested steps in this worker thread. Never throws. */
export default async function runStepTask({
  request,
  progressPort,
}: StepTask): Promise<StepOutcome> {
  let current = 0;
  // The pool cancels by terminating the thread, so nothing in here ever aborts this signal.
  const ctx: PipelineContext = {
    signal: new AbortController().signal,
    progress: (stepIndex, fraction) => {
      current = stepIndex;
      const message: ProgressMessage = [stepIndex, Math.min(1, Math.max(0, fraction))];
      progressPort.postMessage(message);
    },
  };
  try {
    const run = KIND_RUNNERS[request.kind];
    const unsupported = request.steps.find((step) => !run || !isStepSupported(request.kind, step));
    if (!run || unsupported) throw stepNotSupported(request.kind, unsupported ?? request.steps[0]);
    // The API checked them already (StartTask); a task queued before that check still fails here.
    checkTaskOptions(request.steps, request.options);
    return { ok: true, result: await run(request, ctx) };
  } catch (error) {
    return { ok: false, error: toStepFailure(error, request.steps[current] ?? 'first') };
  }
}
