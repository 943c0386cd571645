import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from '../../../test/support/fixtures';
import { ProcessingError } from '../processing.error';
import { toStepFailure } from '../step-outcome';
import type { PipelineContext, PipelineRequest, StepName, StepResult } from '../step.types';
import * as meshLoad from './load/mesh-load';
import * as meshOptimize from './mesh.optimize';
import * as meshRender from './mesh.render';
import { runMeshPipeline } from './mesh.pipeline';

const GLTF = join(FIXTURES, 'mesh/gltf');

describe('runMeshPipeline', () => {
  let root: string;
  let workDir: string;
  let outputsDir: string;
  let progress: Array<[number, number]>;
  let handedOver: Array<[number, StepResult]>;
  const ctx = (): PipelineContext => ({
    signal: new AbortController().signal,
    progress: (index, fraction) => progress.push([index, fraction]),
    stepDone: (index, result) => {
      handedOver.push([index, result]);
      return Promise.resolve();
    },
  });
  const request = (steps: StepName[], inputDir: string, primary: string): PipelineRequest => ({
    kind: 'mesh',
    steps,
    inputDir,
    primary,
    outputsDir,
    workDir,
    options: {},
  });

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'kiln-mesh-pipeline-'));
    workDir = join(root, 'work');
    outputsDir = join(root, 'outputs');
    await mkdir(workDir);
    await mkdir(outputsDir);
    progress = [];
    handedOver = [];
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await rm(root, { recursive: true, force: true });
  });

  it.each([
    ['Box.glb', GLTF, 12],
    ['AnimatedMorphCube.gltf', join(GLTF, 'AnimatedMorphCube'), 12],
    ['TextureTransformTest.gltf', join(GLTF, 'TextureTransform'), 18],
  ])(
    'runs inspect then convert on %s, loading it once, each step handing over its outputs as it ends',
    async (primary, inputDir, triangles) => {
      const loads = jest.spyOn(meshLoad, 'loadMesh');
      await runMeshPipeline(request(['inspect', 'convert'], inputDir, primary), ctx());
      expect(
        handedOver.map(([index, result]) => [index, result.outputs.map((o) => o.name)]),
      ).toEqual([
        [0, ['metadata.json']],
        [1, ['model.glb']],
      ]);
      expect(loads).toHaveBeenCalledTimes(1);
      expect(handedOver[0][1].metadata).toMatchObject({ triangles, formatVersion: 'glTF 2.0' });
      expect((await readdir(workDir)).sort()).toEqual(['metadata.json', 'model.glb']);
      const metadata = JSON.parse(
        await readFile(join(workDir, 'metadata.json'), 'utf8'),
      ) as unknown;
      expect(metadata).toEqual(handedOver[0][1].metadata);
      for (const index of [0, 1]) {
        const own = progress.filter(([i]) => i === index).map(([, fraction]) => fraction);
        expect(own[0]).toBe(0);
        expect(own[own.length - 1]).toBe(1);
        expect([...own].sort((a, b) => a - b)).toEqual(own);
      }
    },
  );

  it('runs the steps in pipeline order whatever order they are asked in, reporting by their index', async () => {
    await runMeshPipeline(request(['convert', 'inspect'], GLTF, 'quad_skin.glb'), ctx());
    expect(handedOver.map(([index, result]) => [index, result.outputs.map((o) => o.name)])).toEqual(
      [
        [1, ['metadata.json']],
        [0, ['model.glb']],
      ],
    );
  });

  it('runs convert alone', async () => {
    await runMeshPipeline(request(['convert'], GLTF, 'BoxTextured.glb'), ctx());
    expect(handedOver.map(([index, result]) => [index, result.outputs.map((o) => o.name)])).toEqual(
      [[0, ['model.glb']]],
    );
  });

  it('fails a broken model in inspect with its code and step, handing nothing over', async () => {
    const error = await runMeshPipeline(
      request(['inspect', 'convert'], join(FIXTURES, 'malformed'), 'RecursiveNodes.gltf'),
      ctx(),
    ).catch((reason: unknown) => reason);
    expect(toStepFailure(error)).toMatchObject({
      code: 'MESH_PARSE_FAILED',
      step: 'inspect',
      retryable: false,
    });
    expect(toStepFailure(error).message).toContain('NODE_LOOP at /nodes/0');
    expect(handedOver).toEqual([]);
  });

  it('fails glTF 1.0 as MESH_UNSUPPORTED in the first step asked', async () => {
    const error = await runMeshPipeline(
      request(['convert'], GLTF, 'BoxTextured-embedded.gltf'),
      ctx(),
    ).catch((reason: unknown) => reason);
    expect(toStepFailure(error)).toMatchObject({ code: 'MESH_UNSUPPORTED', step: 'convert' });
  });

  it('keeps model.glb handed over when a later step fails', async () => {
    jest
      .spyOn(meshRender, 'renderMesh')
      .mockRejectedValue(new ProcessingError('MESH_TOO_LARGE', 'too large to draw'));
    const error = await runMeshPipeline(
      request(['inspect', 'convert', 'render'], GLTF, 'Box.glb'),
      ctx(),
    ).catch((reason: unknown) => reason);
    expect(toStepFailure(error)).toMatchObject({ code: 'MESH_TOO_LARGE', step: 'render' });
    expect(handedOver.map(([index, result]) => [index, result.outputs.map((o) => o.name)])).toEqual(
      [
        [0, ['metadata.json']],
        [1, ['model.glb']],
      ],
    );
    expect(await readdir(workDir)).toContain('model.glb');
  });

  describe('giving optimize and render the model.glb to read', () => {
    /** Stands in for the optimize and render steps: records the model path each was given. */
    function recordModelPaths(): Array<[StepName, string]> {
      const seen: Array<[StepName, string]> = [];
      const fake = (step: StepName) => (_request: unknown, _ctx: unknown, modelGlbPath: string) => {
        seen.push([step, modelGlbPath]);
        return Promise.resolve({ outputs: [] });
      };
      jest.spyOn(meshOptimize, 'optimizeMesh').mockImplementation(fake('optimize'));
      jest.spyOn(meshRender, 'renderMesh').mockImplementation(fake('render'));
      return seen;
    }

    it('is the model.glb convert wrote in the same call', async () => {
      const seen = recordModelPaths();
      await runMeshPipeline(
        request(['inspect', 'convert', 'optimize', 'render'], GLTF, 'Box.glb'),
        ctx(),
      );
      expect(seen).toEqual([
        ['optimize', join(workDir, 'model.glb')],
        ['render', join(workDir, 'model.glb')],
      ]);
      expect(handedOver.map(([index]) => index)).toEqual([0, 1, 2, 3]);
    });

    it("is the asset's model.glb from an earlier task when convert does not run, the source not even read", async () => {
      const seen = recordModelPaths();
      const loads = jest.spyOn(meshLoad, 'loadMesh');
      await copyFile(join(GLTF, 'Box.glb'), join(outputsDir, 'model.glb'));
      await runMeshPipeline(request(['render'], GLTF, 'Box.glb'), ctx());
      expect(seen).toEqual([['render', join(outputsDir, 'model.glb')]]);
      expect(loads).not.toHaveBeenCalled();
    });

    it('is made once from the source into a hidden file when the asset has none, never an output', async () => {
      const seen = recordModelPaths();
      await runMeshPipeline(request(['optimize', 'render'], GLTF, 'VET.glb'), ctx());
      const hidden = join(workDir, '.source-model.glb');
      expect(seen).toEqual([
        ['optimize', hidden],
        ['render', hidden],
      ]);
      expect(await readdir(workDir)).toEqual(['.source-model.glb']);
      expect((await readFile(hidden)).subarray(0, 4).toString('latin1')).toBe('glTF');
      expect(handedOver).toEqual([
        [0, { outputs: [] }],
        [1, { outputs: [] }],
      ]);
    });
  });

  it('refuses a step the mesh pipeline does not have', async () => {
    await expect(
      runMeshPipeline(request(['variants'], GLTF, 'Box.glb'), ctx()),
    ).rejects.toMatchObject({
      code: 'STEP_NOT_SUPPORTED',
    });
  });
});
