import { runBenchStep } from './bench/bench.step';
import { runImagePipeline } from './image/image.pipeline';
import { runMeshPipeline } from './mesh/mesh.pipeline';
import { runSubstancePipeline } from './substance/substance.pipeline';
import { runTextureSetPipeline } from './texture-set/texture-set.pipeline';
import { BENCH_STEP, isStepSupported, stepNotSupported } from './pipelines';
import { handOffOutputs } from './step-handoff';
import { checkTaskOptions } from './step-options';
import {
  toStepFailure,
  type PipelineMessage,
  type StepOutcome,
  type StepTask,
} from './step-outcome';
import type { AssetKind, PipelineContext, PipelineRequest } from './step.types';

type KindRunner = (request: PipelineRequest, ctx: PipelineContext) => Promise<void>;

/** One runner per asset kind; the mesh, texture-set and substance issues add theirs here. */
const KIND_RUNNERS: Partial<Record<AssetKind, KindRunner>> = {
  image: runImagePipeline,
  mesh: runMeshPipeline,
  substance: runSubstancePipeline,
  'texture-set': runTextureSetPipeline,
};

/**
 * The piscina task entry: runs the requested steps in this worker thread, posting progress and
 * each step's outputs on the port as they come. Never throws.
 */
export default async function runPipelineTask({
  request,
  progressPort,
}: StepTask): Promise<StepOutcome> {
  const post = (message: PipelineMessage) => progressPort.postMessage(message);
  // The pool cancels by terminating the thread, so nothing in here ever aborts this signal.
  const ctx: PipelineContext = {
    signal: new AbortController().signal,
    // `at`: when the step reported, so an event's time is its report's, not its save's.
    progress: (stepIndex, fraction) =>
      post({
        type: 'progress',
        stepIndex,
        fraction: Math.min(1, Math.max(0, fraction)),
        at: Date.now(),
      }),
    stepDone: async (stepIndex, { outputs, metadata }) => {
      const handedOff = await handOffOutputs(request.workDir, outputs);
      post({
        type: 'step-done',
        stepIndex,
        outputs: handedOff,
        ...(metadata ? { metadata } : {}),
      });
    },
  };
  try {
    // The bench step runs alone on any kind (the API and the worker checked KILN_BENCH_STEPS).
    const run = request.steps[0] === BENCH_STEP ? runBenchStep : KIND_RUNNERS[request.kind];
    const unsupported = request.steps.find((step) => !run || !isStepSupported(request.kind, step));
    if (!run || unsupported) throw stepNotSupported(request.kind, unsupported ?? request.steps[0]);
    // The API checked them already (StartTask); a task queued before that check still fails here.
    checkTaskOptions(request.kind, request.steps, request.options);
    await run(request, ctx);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: toStepFailure(error) };
  }
}
