import type { Document } from '@gltf-transform/core';
import { inputMissing, meshParseFailed } from './mesh-errors';
import { readFile, unlink } from 'node:fs/promises';
import { basename } from 'node:path';
import { writeOutputAtomically } from '../atomic-output';
import type { StepContext, StepRequest, StepResult } from '../step.types';
import { parseStepOptions } from '../step-options';
import { meshIO } from './mesh-io';
import { frameCameras } from './render/camera';
import { writeAnimatedWebp, writePng, type AnimationEncodeOptions } from './render/frame-encode';
import { RASTERIZER_DEFAULTS, SceneRasterizer } from './render/rasterizer';
import { buildRenderScene, type RenderScene } from './render/render-scene';
import { simplifyForTurntable } from './render/turntable-mesh';

export const THUMBNAIL_PNG = 'thumbnail.png';
export const TURNTABLE_WEBP = 'turntable.webp';

export interface MeshRenderSettings {
  /** Frames of the turntable: one full turn, starting at the thumbnail's yaw. */
  turntableFrames: number;
  /** Side of each turntable frame in pixels. */
  turntableSize: number;
  /**
   * Triangles the turntable draws at most (the model is simplified beyond): 24 frames of a
   * 1M-triangle model would not fit the step's one-second budget, and 256² shows no more.
   */
  turntableTriangles: number;
  /** The thumbnail is supersampled 2×2 up to this side; larger ones take one sample a pixel (memory). */
  maxSupersampledSize: number;
  /** zlib level of the thumbnail PNG. */
  pngCompressionLevel: number;
  turntable: AnimationEncodeOptions;
}

export const MESH_RENDER_DEFAULTS: Readonly<MeshRenderSettings> = {
  turntableFrames: 24,
  turntableSize: 256,
  turntableTriangles: 60_000,
  maxSupersampledSize: 2048,
  pngCompressionLevel: 6,
  turntable: { frameDelayMs: 125, quality: 80, effort: 2 },
};

/**
 * `render` for models: draws `modelGlbPath` with Kiln's own software rasterizer (no GPU, no
 * browser) into `thumbnail.png` — `size`² (option, default 512), a 3/4 view from `yaw` degrees
 * (option, default 45), framed on the bounding box, lit by two lights, base-colour textures and
 * vertex colours shown, 2×2 supersampled — and `turntable.webp`, an animated WebP of 24 frames
 * of 256² turning once around the model from `yaw`, looping, drawn from a copy of big models
 * simplified to `turntableTriangles` (metadata `turntableTriangles` says how many were drawn).
 *
 * The background is transparent (PNG and WebP alpha, edges partly so): a thumbnail sits on
 * whatever page shows it, light or dark, and the model's coverage is simply its mean alpha
 * (metadata `coverage`, 0-1).
 *
 * @throws ProcessingError `INPUT_MISSING` without the GLB, `MESH_PARSE_FAILED` when it cannot be
 *   read, `MESH_EMPTY` when it holds nothing drawable (no triangle of non-zero area, or a
 *   position that is not finite).
 */
export async function renderMesh(
  request: StepRequest,
  ctx: StepContext,
  modelGlbPath: string,
): Promise<StepResult> {
  const settings = MESH_RENDER_DEFAULTS;
  const { size, yaw } = parseStepOptions('render', request.options);
  const label = basename(modelGlbPath);
  ctx.progress(0);
  const document = await readModel(modelGlbPath, label);
  ctx.signal.throwIfAborted();
  const scene = await buildRenderScene(document, label);
  ctx.progress(0.15);
  ctx.signal.throwIfAborted();

  const thumbnail = new Uint8Array(size * size * 4);
  const coverage = new SceneRasterizer(scene, size, {
    ...RASTERIZER_DEFAULTS,
    supersample: size <= settings.maxSupersampledSize ? 2 : 1,
  }).draw(frameCameras(scene.bounds, [yaw])[0], thumbnail);
  // Encoded on libuv's pool while this thread draws the turntable.
  const thumbnailWritten = writeOutputAtomically(request.workDir, THUMBNAIL_PNG, (temp) =>
    writePng(thumbnail, size, temp, settings.pngCompressionLevel),
  );
  thumbnailWritten.catch(() => undefined); // awaited below; this only keeps it from counting as unhandled
  ctx.progress(0.35);

  let turntable: { path: string; triangles: number };
  try {
    turntable = await drawTurntable(request, ctx, scene, yaw, settings);
  } catch (error) {
    // A step that fails leaves no output behind, the thumbnail drawn before included.
    await thumbnailWritten.then((path) => unlink(path)).catch(() => undefined);
    throw error;
  }
  const thumbnailPath = await thumbnailWritten;
  ctx.progress(1);
  return {
    outputs: [
      { name: THUMBNAIL_PNG, path: thumbnailPath, contentType: 'image/png' },
      { name: TURNTABLE_WEBP, path: turntable.path, contentType: 'image/webp' },
    ],
    metadata: {
      render: {
        size,
        yaw,
        frames: settings.turntableFrames,
        coverage: Math.round(coverage * 10_000) / 10_000,
        ...(turntable.triangles < scene.triangleCount && {
          turntableTriangles: turntable.triangles,
        }),
        ...(scene.warnings.length > 0 && { warnings: scene.warnings }),
      },
    },
  };
}

/**
 * Draws the turntable's frames from a copy of the model simplified to the turntable's triangle
 * budget and writes them as one animated WebP; returns its path and the triangles drawn.
 */
async function drawTurntable(
  request: StepRequest,
  ctx: StepContext,
  scene: RenderScene,
  yaw: number,
  settings: MeshRenderSettings,
): Promise<{ path: string; triangles: number }> {
  const frames = settings.turntableFrames;
  const frameSize = settings.turntableSize;
  const frameBytes = frameSize * frameSize * 4;
  const pixels = new Uint8Array(frameBytes * frames);
  const simplified = simplifyForTurntable(scene, settings.turntableTriangles);
  const rasterizer = new SceneRasterizer(simplified, frameSize);
  const yaws = Array.from({ length: frames }, (_, i) => yaw + (360 * i) / frames);
  const cameras = frameCameras(scene.bounds, yaws);
  for (let i = 0; i < frames; i++) {
    ctx.signal.throwIfAborted();
    rasterizer.draw(cameras[i], pixels.subarray(i * frameBytes, (i + 1) * frameBytes));
    ctx.progress(0.35 + (0.55 * (i + 1)) / frames);
    await new Promise(setImmediate); // lets an abort (and the PNG's completion) through
  }
  const path = await writeOutputAtomically(request.workDir, TURNTABLE_WEBP, (temp) =>
    writeAnimatedWebp(pixels, frameSize, frames, temp, settings.turntable),
  );
  return { path, triangles: simplified.triangleCount };
}

async function readModel(path: string, label: string): Promise<Document> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw inputMissing(`render needs ${label}, which is not there: run convert first.`);
    }
    throw error;
  }
  try {
    return await (await meshIO()).readBinary(bytes);
  } catch (error) {
    throw meshParseFailed(
      `${label} cannot be read as a GLB: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
