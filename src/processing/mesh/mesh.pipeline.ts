import { writeFile } from 'node:fs/promises';
import { writeOutputAtomically } from '../atomic-output';
import { PIPELINES, stepNotSupported } from '../pipelines';
import { runPipelineStep } from '../pipeline-step';
import { earlierOutput } from '../step-folder';
import type {
  PipelineContext,
  PipelineRequest,
  ProgressReporter,
  StepName,
  StepRequest,
  StepResult,
} from '../step.types';
import { loadMesh } from './load/mesh-load';
import type { MeshSource } from './load/mesh-source.types';
import { buildModelGlb, convertMesh, MODEL_GLB } from './mesh.convert';
import { inspectMesh } from './mesh.inspect';
import { optimizeMesh } from './mesh.optimize';
import { renderMesh } from './mesh.render';

/**
 * Where `optimize` and `render` read the model from when no `model.glb` exists yet: made from the
 * source in the work folder under a name that is never an output.
 */
const HIDDEN_MODEL_GLB = '.source-model.glb';

/** Share of `inspect` that loading the source takes (the rest: counting, writing the JSON). */
const INSPECT_LOAD_SHARE = 0.9;
/** Share of `convert` that loading takes, when `inspect` has not loaded the source already. */
const CONVERT_LOAD_SHARE = 0.5;
/** Share of `optimize` or `render` that making a hidden `model.glb` takes, when one is needed. */
const HIDDEN_CONVERT_SHARE = 0.5;

/**
 * Runs steps of a `mesh` asset, one after another in `PIPELINES.mesh` order (inspect → convert →
 * optimize → render), each handing over its outputs as it ends (`ctx.stepDone`), so a failed
 * `render` still leaves `model.glb`. The source model is loaded once per call, by the first step
 * that needs it. `optimize` and `render` read `model.glb`: the one `convert` wrote in this call,
 * else the asset's from an earlier task, else one made from the source into a hidden file.
 */
export async function runMeshPipeline(
  request: PipelineRequest,
  ctx: PipelineContext,
): Promise<void> {
  const order = PIPELINES.mesh;
  for (const step of request.steps) {
    if (!order.includes(step)) throw stepNotSupported(request.kind, step);
  }
  const steps = [...request.steps].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const run = new MeshRun(request, ctx.signal);
  for (const step of steps) {
    await runPipelineStep(
      request,
      ctx,
      request.steps.indexOf(step),
      step,
      async (stepRequest, stepCtx) => {
        stepCtx.progress(0);
        const result = await run.step(stepRequest, stepCtx.progress);
        ctx.signal.throwIfAborted();
        return result;
      },
    );
  }
}

/** What the steps of one call share: the loaded source and where `model.glb` is. */
class MeshRun {
  private source?: Promise<MeshSource>;
  private modelGlbPath?: string;

  constructor(
    private readonly request: PipelineRequest,
    private readonly signal: AbortSignal,
  ) {}

  async step(request: StepRequest, progress: ProgressReporter): Promise<StepResult> {
    const { signal } = this;
    switch (request.step) {
      case 'inspect': {
        const source = await this.load(scaled(progress, 0, INSPECT_LOAD_SHARE));
        return inspectMesh(
          request,
          { signal, progress: scaled(progress, INSPECT_LOAD_SHARE, 1) },
          source,
        );
      }
      case 'convert': {
        const source = await this.load(scaled(progress, 0, CONVERT_LOAD_SHARE));
        const result = await convertMesh(
          request,
          { signal, progress: scaled(progress, CONVERT_LOAD_SHARE, 1) },
          source,
        );
        this.modelGlbPath = result.outputs.find((output) => output.name === MODEL_GLB)?.path;
        return result;
      }
      case 'optimize':
      case 'render': {
        const ready = this.modelGlbPath ?? (await earlierOutput(this.request, MODEL_GLB));
        const path =
          ready ?? (await this.hiddenModelGlb(scaled(progress, 0, HIDDEN_CONVERT_SHARE)));
        const rest = ready ? progress : scaled(progress, HIDDEN_CONVERT_SHARE, 1);
        const stepRun = request.step === 'optimize' ? optimizeMesh : renderMesh;
        return stepRun(request, { signal, progress: rest }, path);
      }
      default:
        throw stepNotSupported(request.kind, request.step satisfies StepName);
    }
  }

  /** The source model, loaded by the first step that asks (its progress reporter is the one used). */
  private load(progress: ProgressReporter): Promise<MeshSource> {
    this.source ??= loadMesh({
      inputDir: this.request.inputDir,
      primary: this.request.primary,
      signal: this.signal,
      progress,
    });
    return this.source;
  }

  /** A `model.glb` made from the source for `optimize` or `render` alone; not an output. */
  private async hiddenModelGlb(progress: ProgressReporter): Promise<string> {
    const source = await this.load(scaled(progress, 0, 0.5));
    const { glb } = await buildModelGlb(source, scaled(progress, 0.5, 1), this.signal);
    this.modelGlbPath = await writeOutputAtomically(
      this.request.workDir,
      HIDDEN_MODEL_GLB,
      (temp) => writeFile(temp, glb),
    );
    return this.modelGlbPath;
  }
}

/** A reporter mapping 0-1 onto `from`-`to` of `progress`. */
function scaled(progress: ProgressReporter, from: number, to: number): ProgressReporter {
  return (fraction) => progress(from + (to - from) * fraction);
}
