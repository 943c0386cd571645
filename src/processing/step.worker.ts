import { runImageStep } from './image/image.pipeline';
import { isStepSupported, stepNotSupported } from './pipelines';
import { toStepFailure, type StepOutcome, type StepTask } from './step-outcome';
import type { AssetKind, StepContext, StepRequest, StepResult } from './step.types';

type KindRunner = (request: StepRequest, ctx: StepContext) => Promise<StepResult>;

/** One runner per asset kind; the mesh, texture-set and substance issues add theirs here. */
const KIND_RUNNERS: Partial<Record<AssetKind, KindRunner>> = {
  image: runImageStep,
};

/** The piscina task entry: runs one step in this worker thread. Never throws. */
export default async function runStepTask({
  request,
  progressPort,
}: StepTask): Promise<StepOutcome> {
  // The pool cancels by terminating the thread, so nothing in here ever aborts this signal.
  const ctx: StepContext = {
    signal: new AbortController().signal,
    progress: (fraction) => progressPort.postMessage(Math.min(1, Math.max(0, fraction))),
  };
  try {
    const run = KIND_RUNNERS[request.kind];
    if (!run || !isStepSupported(request.kind, request.step)) {
      throw stepNotSupported(request.kind, request.step);
    }
    return { ok: true, result: await run(request, ctx) };
  } catch (error) {
    return { ok: false, error: toStepFailure(error, request.step) };
  }
}
