import { readFile, writeFile } from 'node:fs/promises';
import { inputMissing, meshParseFailed } from './mesh-errors';
import { basename } from 'node:path';
import { Logger, type Document, type NodeIO } from '@gltf-transform/core';
import { dedup, join, prune, resample, simplify, weld } from '@gltf-transform/functions';
import { MeshoptEncoder, MeshoptSimplifier } from 'meshoptimizer';
import sharp from 'sharp';
import { writeOutputAtomically } from '../atomic-output';
import { validateModel } from './mesh-validate';
import { parseStepOptions } from '../step-options';
import type { StepContext, StepRequest, StepResult } from '../step.types';
import { meshIO } from './mesh-io';
import {
  compressGeometry,
  removeGeometryCompression,
  type GeometryCompression,
} from './optimize/geometry-compression';
import { countTriangles } from './optimize/triangle-count';
import { TEXTURE_WEBP_DEFAULTS, texturesToWebp } from './optimize/texture-webp';

export const MODEL_WEB_GLB = 'model.web.glb';

export interface MeshOptimizeSettings {
  /**
   * How far `simplify` may move the surface, as a fraction of the mesh's size. The ratio is a
   * target: the simplifier stops short of it rather than deform a mesh by more than this.
   */
  simplifyError: number;
  /** Longest side of a texture, in pixels. */
  maxTextureSize: number;
}

export const MESH_OPTIMIZE_DEFAULTS: Readonly<MeshOptimizeSettings> = {
  // 1 %, gltfpack's default: a quarter of the triangles is reachable on ordinary meshes, while
  // silhouettes stay put (0.01 %, gltf-transform's default, barely simplifies at all).
  simplifyError: 0.01,
  maxTextureSize: TEXTURE_WEBP_DEFAULTS.maxSize,
};

/** What `optimize` reports, under `metadata.optimize`. */
export interface MeshOptimizeReport {
  bytesIn: number;
  bytesOut: number;
  /** Triangles the model draws (a mesh once per node drawing it), before and after. */
  trianglesIn: number;
  trianglesOut: number;
  /** What `model.web.glb` uses; it can differ from the one asked for (see `optimizeMesh`). */
  compression: GeometryCompression;
  /** The `simplify` option the step ran with; 1 = not simplified. */
  simplify: number;
  /** Textures stored as WebP in `model.web.glb`. */
  webpTextures: number;
  /** True when every variant was larger than `model.glb`, so `model.web.glb` is a copy of it. */
  unchanged: boolean;
  /** Things a person should know: textures left as they were. */
  warnings: string[];
}

/**
 * `optimize` for meshes: reads `modelGlbPath` (any valid GLB) and writes `model.web.glb`, what
 * web apps load: duplicates merged (dedup), identical vertices welded, primitives of one mesh and
 * material joined, animation keyframes resampled (lossless), unused data pruned, simplified when
 * the `simplify` option is below 1, textures as WebP of at most 2048 px, and geometry compressed
 * with meshopt (EXT_meshopt_compression + KHR_mesh_quantization) or, with `draco: true`, Draco.
 *
 * Skins, animations and morph targets survive: nothing here moves nodes (no flatten, so
 * the hierarchy and node names apps look up stay; no instancing, which three draws as one
 * `InstancedMesh`), and join keeps meshes apart, so it never merges what a skin or animation binds.
 *
 * `model.web.glb` is never larger than `model.glb`: the compression asked for is kept when its file
 * is no larger; otherwise the smallest no-larger of the other variants (the other compression, then
 * no geometry compression) wins; if none is, `model.glb` is copied as it is (`unchanged`). Only tiny
 * models get there, where the compression's headers outweigh what they save.
 */
export async function optimizeMesh(
  request: StepRequest,
  ctx: StepContext,
  modelGlbPath: string,
): Promise<StepResult> {
  const { simplifyError, maxTextureSize } = MESH_OPTIMIZE_DEFAULTS;
  const options = parseStepOptions('optimize', request.options);
  const name = basename(modelGlbPath);
  ctx.progress(0);

  const input = await readModel(modelGlbPath, name);
  const io = await meshIO();
  const document = await parseModel(io, input, name);
  const trianglesIn = countTriangles(document);
  removeGeometryCompression(document);
  ctx.progress(0.1);
  ctx.signal.throwIfAborted();

  await document.transform(dedup(), join({ keepMeshes: true }), weld(), resample());
  if (options.simplify < 1) {
    await document.transform(
      simplify({ simplifier: MeshoptSimplifier, ratio: options.simplify, error: simplifyError }),
    );
  }
  // Solid-colour textures stay textures (prune would fold them into the material's factor): the
  // file keeps what model.glb has, and such textures cost a few bytes as WebP.
  await document.transform(prune({ keepSolidTextures: true }));
  const trianglesOut = countTriangles(document);
  ctx.progress(0.3);
  ctx.signal.throwIfAborted();

  const textures = await texturesToWebp(document, sharp, { maxSize: maxTextureSize }, (done) =>
    ctx.progress(0.3 + 0.4 * done),
  );
  ctx.signal.throwIfAborted();

  const preferred = options.draco ? 'draco' : 'meshopt';
  const encoded = await encodeNoLargerThan(io, document, preferred, input.byteLength, () =>
    ctx.signal.throwIfAborted(),
  );
  ctx.progress(0.95);

  const bytes = encoded?.bytes ?? input;
  // Like model.glb, what web apps load must pass the validator before it counts. The document
  // (uncompressed) stands for the file's content; the validator reads the compressed bytes.
  if (encoded) await validateModel(bytes, document, MODEL_WEB_GLB);
  const path = await writeOutputAtomically(request.workDir, MODEL_WEB_GLB, (temp) =>
    writeFile(temp, bytes),
  );
  ctx.progress(1);
  const report: MeshOptimizeReport = {
    bytesIn: input.byteLength,
    bytesOut: bytes.byteLength,
    trianglesIn,
    trianglesOut: encoded ? trianglesOut : trianglesIn,
    compression: encoded?.compression ?? 'none',
    simplify: options.simplify,
    webpTextures: encoded ? textures.webp : 0,
    unchanged: encoded === undefined,
    warnings: textures.warnings,
  };
  return {
    outputs: [{ name: MODEL_WEB_GLB, path, contentType: 'model/gltf-binary' }],
    metadata: { optimize: report },
  };
}

async function readModel(path: string, name: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw inputMissing(`${name} is missing: run convert first.`);
    throw error;
  }
}

/** gltf-transform logs every transform to the console; the worker has nothing to do with that. */
const QUIET = new Logger(Logger.Verbosity.SILENT);

async function parseModel(io: NodeIO, bytes: Uint8Array, name: string): Promise<Document> {
  try {
    return (await io.readBinary(bytes)).setLogger(QUIET);
  } catch (error) {
    throw meshParseFailed(`${name} is not a readable GLB: ${(error as Error).message}`);
  }
}

interface EncodedModel {
  bytes: Uint8Array;
  compression: GeometryCompression;
}

/**
 * The GLB with `preferred` compression if it is no larger than `limit` bytes, else the smallest
 * other variant that is, else undefined. The plain GLB is written first: it is a variant itself,
 * and the other compression starts from it (compressing changes the document in place).
 */
async function encodeNoLargerThan(
  io: NodeIO,
  document: Document,
  preferred: Exclude<GeometryCompression, 'none'>,
  limit: number,
  checkAborted: () => void,
): Promise<EncodedModel | undefined> {
  const plain = await io.writeBinary(document);
  await compressGeometry(document, preferred, MeshoptEncoder);
  const first: EncodedModel = { bytes: await io.writeBinary(document), compression: preferred };
  if (first.bytes.byteLength <= limit) return first;
  checkAborted();

  const other = preferred === 'meshopt' ? 'draco' : 'meshopt';
  const otherDocument = (await io.readBinary(plain)).setLogger(QUIET);
  await compressGeometry(otherDocument, other, MeshoptEncoder);
  const variants: EncodedModel[] = [
    { bytes: await io.writeBinary(otherDocument), compression: other },
    { bytes: plain, compression: 'none' },
  ];
  return variants
    .filter((variant) => variant.bytes.byteLength <= limit)
    .sort((a, b) => a.bytes.byteLength - b.bytes.byteLength)[0];
}
