import type { Document } from '@gltf-transform/core';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  animatedMorphCubeGlb,
  GLTF_FIXTURES,
  wavingQuadSkinGlb,
} from '../../../test/support/web-glb-inputs';
import type { StepContext, StepResult } from '../step.types';
import { meshIO } from './mesh-io';
import { MODEL_WEB_GLB, optimizeMesh, type MeshOptimizeReport } from './mesh.optimize';
import { countTriangles } from './optimize/triangle-count';

// gltf-validator ships no types: the one call used here, as its README documents it.
const { validateBytes } = jest.requireActual<{
  validateBytes(data: Uint8Array): Promise<{ issues: { numErrors: number } }>;
}>('gltf-validator');

/** A model as a test looks at it: what a viewer would see of it. */
interface ModelFacts {
  triangles: number;
  animations: string[];
  skins: number[];
  morphTargets: number;
  textures: { mimeType: string; size: [number, number] | null }[];
  extensionsUsed: string[];
}

function factsOf(document: Document): ModelFacts {
  const root = document.getRoot();
  return {
    triangles: countTriangles(document),
    animations: root.listAnimations().map((animation) => animation.getName()),
    skins: root.listSkins().map((skin) => skin.listJoints().length),
    morphTargets: root
      .listMeshes()
      .flatMap((mesh) => mesh.listPrimitives())
      .reduce((sum, primitive) => sum + primitive.listTargets().length, 0),
    textures: root.listTextures().map((texture) => ({
      mimeType: texture.getMimeType(),
      size: texture.getSize(),
    })),
    extensionsUsed: root
      .listExtensionsUsed()
      .map((extension) => extension.extensionName)
      .sort(),
  };
}

async function readFacts(bytes: Uint8Array): Promise<ModelFacts> {
  return factsOf(await (await meshIO()).readBinary(bytes));
}

interface Optimized {
  result: StepResult;
  report: MeshOptimizeReport;
  input: Uint8Array;
  output: Uint8Array;
  progress: number[];
}

describe('optimizeMesh', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kiln-mesh-optimize-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  let runs = 0;
  let lastWorkDir = '';
  /** Runs the step on a GLB (a fixture's path, or bytes written as `model.glb`) in a fresh work folder. */
  async function optimize(
    model: string | Uint8Array,
    options: Record<string, unknown> = {},
    signal = new AbortController().signal,
  ): Promise<Optimized> {
    const folder = join(root, `run-${++runs}`);
    const workDir = join(folder, 'work');
    await mkdir(workDir, { recursive: true });
    lastWorkDir = workDir;
    let modelPath = typeof model === 'string' ? join(GLTF_FIXTURES, model) : '';
    if (typeof model !== 'string') {
      modelPath = join(folder, 'model.glb');
      await writeFile(modelPath, model);
    }
    const progress: number[] = [];
    const ctx: StepContext = { signal, progress: (fraction) => progress.push(fraction) };
    const request = {
      kind: 'mesh' as const,
      step: 'optimize' as const,
      inputDir: folder,
      primary: 'model.glb',
      outputsDir: join(folder, 'outputs'),
      workDir,
      options,
    };
    const result = await optimizeMesh(request, ctx, modelPath);
    return {
      result,
      report: (result.metadata as { optimize: MeshOptimizeReport }).optimize,
      input: await readFile(modelPath),
      output: await readFile(join(workDir, MODEL_WEB_GLB)),
      progress,
    };
  }

  const inputs: Record<string, () => Promise<string | Uint8Array>> = {
    'Box.glb': () => Promise.resolve('Box.glb'),
    'BoxTextured.glb': () => Promise.resolve('BoxTextured.glb'),
    'VET.glb': () => Promise.resolve('VET.glb'),
    'quad_skin.glb': () => Promise.resolve('quad_skin.glb'),
    'book f.glb': () => Promise.resolve('book f.glb'),
    'AnimatedMorphCube (as GLB)': animatedMorphCubeGlb,
    'quad_skin.glb + a "Wave" animation': wavingQuadSkinGlb,
  };

  it.each([
    // name, triangles, animations, joints per skin, morph targets, compression
    ['Box.glb', 12, [], [], 0, 'draco'], // already Draco, 1200 bytes: meshopt would be larger
    ['BoxTextured.glb', 12, [], [], 0, 'meshopt'],
    ['VET.glb', 7968, [], [], 0, 'meshopt'],
    ['quad_skin.glb', 2, [], [10], 0, 'meshopt'],
    ['book f.glb', 5754, [], [], 0, 'meshopt'],
    ['AnimatedMorphCube (as GLB)', 12, ['Square'], [], 2, 'meshopt'],
    // 7600 bytes as gltf-transform writes it; meshopt's quantized copy comes out larger.
    ['quad_skin.glb + a "Wave" animation', 2, ['Wave'], [10], 0, 'draco'],
  ])(
    'keeps the triangles (%s: %i), animations, skins and morph targets in a smaller, validator-clean model.web.glb',
    async (name, triangles, animations, skins, morphTargets, compression) => {
      const run = await optimize(await inputs[name]());

      expect(run.result.outputs).toEqual([
        {
          name: MODEL_WEB_GLB,
          path: expect.stringMatching(/[/\\]work[/\\]model\.web\.glb$/) as unknown,
          contentType: 'model/gltf-binary',
        },
      ]);
      expect(run.report).toMatchObject({
        bytesIn: run.input.byteLength,
        bytesOut: run.output.byteLength,
        trianglesIn: triangles,
        trianglesOut: triangles,
        compression,
        simplify: 1,
        unchanged: false,
        warnings: [],
      });
      expect(run.output.byteLength).toBeLessThanOrEqual(run.input.byteLength);
      const before = await readFacts(run.input);
      const after = await readFacts(run.output);
      expect(before).toMatchObject({ triangles, animations, skins, morphTargets });
      expect(after).toMatchObject({ triangles, animations, skins, morphTargets });
      expect((await validateBytes(run.output)).issues.numErrors).toBe(0);
    },
  );

  it('compresses with meshopt by default and with Draco when asked, each in extensionsUsed', async () => {
    const meshopt = await optimize('VET.glb');
    const draco = await optimize('VET.glb', { draco: true });

    expect((await readFacts(meshopt.output)).extensionsUsed).toEqual([
      'EXT_meshopt_compression',
      'EXT_texture_webp',
      'KHR_materials_ior',
      'KHR_materials_specular',
      'KHR_mesh_quantization',
    ]);
    expect((await readFacts(draco.output)).extensionsUsed).toEqual([
      'EXT_texture_webp',
      'KHR_draco_mesh_compression',
      'KHR_materials_ior',
      'KHR_materials_specular',
    ]);
    expect(draco.report).toMatchObject({ compression: 'draco', trianglesOut: 7968 });
    expect((await validateBytes(draco.output)).issues.numErrors).toBe(0);
  });

  it('stores every texture as WebP, keeping sizes up to 2048 px as they are', async () => {
    const textured = await optimize('BoxTextured.glb');
    const vet = await optimize('VET.glb');

    expect(textured.report.webpTextures).toBe(1);
    expect((await readFacts(textured.output)).textures).toEqual([
      { mimeType: 'image/webp', size: [256, 256] },
    ]);
    expect(vet.report.webpTextures).toBe(2);
    expect((await readFacts(vet.output)).textures).toEqual([
      { mimeType: 'image/webp', size: [2048, 2048] },
      { mimeType: 'image/webp', size: [2048, 2048] },
    ]);
  });

  it('shrinks a 4096×1024 texture to 2048×512 WebP, and keeps it though it is one solid colour', async () => {
    const io = await meshIO();
    const document = await io.readBinary(await readFile(join(GLTF_FIXTURES, 'BoxTextured.glb')));
    const wide = await sharp({
      create: { width: 4096, height: 1024, channels: 3, background: '#c08040' },
    })
      .png()
      .toBuffer();
    document.getRoot().listTextures()[0].setImage(wide).setMimeType('image/png');

    const run = await optimize(await io.writeBinary(document));

    expect((await readFacts(run.output)).textures).toEqual([
      { mimeType: 'image/webp', size: [2048, 512] },
    ]);
    expect((await validateBytes(run.output)).issues.numErrors).toBe(0);
  });

  it('merges two identical meshes into one drawn by both nodes, still counting 24 triangles', async () => {
    const io = await meshIO();
    const document = await io.readBinary(await readFile(join(GLTF_FIXTURES, 'BoxTextured.glb')));
    const box = document.getRoot().listMeshes()[0];
    const twin = document.createNode('Twin').setMesh(box.clone()).setTranslation([2, 0, 0]);
    document.getRoot().listScenes()[0].addChild(twin);

    const run = await optimize(await io.writeBinary(document));
    const output = await io.readBinary(run.output);

    expect(run.report).toMatchObject({ trianglesIn: 24, trianglesOut: 24 });
    expect(output.getRoot().listMeshes()).toHaveLength(1);
    expect(countTriangles(output)).toBe(24);
  });

  it('keeps a texture sharp cannot decode as it was, saying so, and optimizes the rest', async () => {
    const io = await meshIO();
    const document = await io.readBinary(await readFile(join(GLTF_FIXTURES, 'BoxTextured.glb')));
    const texture = document.getRoot().listTextures()[0].setName('broken');
    const png = texture.getImage()!;
    texture.setImage(png.slice(0, png.byteLength / 2));

    const run = await optimize(await io.writeBinary(document));

    expect(run.report).toMatchObject({
      trianglesOut: 12,
      webpTextures: 0,
      warnings: [expect.stringMatching(/^Texture "broken" kept as image\/png: /) as unknown],
    });
    expect((await readFacts(run.output)).textures).toEqual([
      { mimeType: 'image/png', size: [256, 256] },
    ]);
  });

  it('simplify 0.25 keeps at most a quarter of the triangles, and not much less', async () => {
    // VET is one smooth welded mesh: the simplifier reaches its target (7968 / 4 = 1992) well
    // within the 1 % error bound; it may overshoot by a few collapses, never by a tenth.
    const run = await optimize('VET.glb', { simplify: 0.25 });

    expect(run.report).toMatchObject({ trianglesIn: 7968, simplify: 0.25 });
    expect(run.report.trianglesOut).toBeLessThanOrEqual(1992);
    expect(run.report.trianglesOut).toBeGreaterThanOrEqual(1793); // 0.225 × 7968
    expect((await readFacts(run.output)).triangles).toBe(run.report.trianglesOut);
    expect((await validateBytes(run.output)).issues.numErrors).toBe(0);
  });

  it('simplify stops short of the ratio rather than move the surface by more than 1 %', async () => {
    // book f is ten flat boxes with hard edges: a quarter of them could only be had by caving in
    // corners, so the simplifier removes only the few triangles that cost (next to) nothing.
    const run = await optimize('book f.glb', { simplify: 0.25 });

    expect(run.report.trianglesIn).toBe(5754);
    expect(run.report.trianglesOut).toBeLessThan(5754);
    expect(run.report.trianglesOut).toBeGreaterThan(0.9 * 5754);
  });

  it('copies model.glb as it is when every variant would be larger (a lone unindexed triangle)', async () => {
    const io = await meshIO();
    const { Document } = await import('@gltf-transform/core');
    const document = new Document();
    const buffer = document.createBuffer();
    const position = document
      .createAccessor()
      .setType('VEC3')
      .setArray(new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]))
      .setBuffer(buffer);
    const mesh = document
      .createMesh()
      .addPrimitive(document.createPrimitive().setAttribute('POSITION', position));
    document.createScene().addChild(document.createNode().setMesh(mesh));
    const input = await io.writeBinary(document);

    const run = await optimize(input);

    expect(run.report).toEqual({
      bytesIn: input.byteLength,
      bytesOut: input.byteLength,
      trianglesIn: 1,
      trianglesOut: 1,
      compression: 'none',
      simplify: 1,
      webpTextures: 0,
      unchanged: true,
      warnings: [],
    });
    expect(Buffer.compare(run.output, input)).toBe(0);
  });

  it('reports progress from 0 to 1, never going back', async () => {
    const { progress } = await optimize('BoxTextured.glb');

    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('fails INPUT_MISSING when model.glb does not exist', async () => {
    await expect(optimize('no-such-model.glb')).rejects.toMatchObject({
      code: 'INPUT_MISSING',
      message: 'no-such-model.glb is missing: run convert first.',
    });
  });

  it.each([
    ['random bytes', () => Promise.resolve(Buffer.from('not a GLB at all, just some text'))],
    [
      'the first half of VET.glb',
      async () => {
        const whole = await readFile(join(GLTF_FIXTURES, 'VET.glb'));
        return whole.subarray(0, whole.byteLength / 2);
      },
    ],
  ])('fails MESH_PARSE_FAILED, naming the file, on %s', async (_, bytes) => {
    await expect(optimize(await bytes())).rejects.toMatchObject({
      code: 'MESH_PARSE_FAILED',
      message: expect.stringMatching(/^model\.glb is not a readable GLB: /) as unknown,
    });
  });

  it('stops when its signal is aborted, writing nothing', async () => {
    const controller = new AbortController();
    controller.abort();

    await expect(optimize('BoxTextured.glb', {}, controller.signal)).rejects.toThrow(/abort/i);
    expect(await readdir(lastWorkDir)).toEqual([]);
  });
});
