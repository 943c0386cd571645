import { ImageUtils, type Texture } from '@gltf-transform/core';
import { writeFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { writeOutputAtomically } from '../atomic-output';
import { parseStepOptions } from '../step-options';
import type { StepContext, StepRequest, StepResult } from '../step.types';
import type { MeshFormat, MeshSource } from './load/mesh-source.types';
import {
  PRIMITIVE_MODE_NAMES,
  primitiveTriangles,
  primitiveVertices,
  worldBounds,
  type Vec3,
} from './mesh-geometry';

/** A texture as `inspect` reports it. */
export interface MeshTextureInfo {
  name: string;
  /** As the file says, e.g. `image/png`; empty when unknown. */
  mimeType: string;
  /** From the image's header; null when the header cannot be read. */
  width: number | null;
  height: number | null;
  /** Uncompressed RGBA with a full mip chain: width × height × 4 × 4/3 bytes. */
  gpuBytes: number | null;
}

export interface MeshAnimationInfo {
  name: string;
  /** The last keyframe time of any of its channels, in seconds. */
  durationSeconds: number;
  channels: number;
}

export interface MeshSkinInfo {
  name: string;
  joints: number;
}

/**
 * What `inspect` reports about a model; it becomes `metadata.json` and the asset's `metadata`.
 * Counts are of the model's data: a mesh that two nodes show counts once.
 */
export interface MeshMetadata {
  format: MeshFormat;
  /** As the file states it: `glTF 2.0`, `FBX 7400 (binary)`; absent when it states none. */
  formatVersion?: string;
  nodes: number;
  meshes: number;
  primitives: number;
  vertices: number;
  /** Drawn by TRIANGLES, TRIANGLE_STRIP and TRIANGLE_FAN primitives; points and lines draw none. */
  triangles: number;
  /** How many primitives of each mode (`TRIANGLES`, `LINES`, `POINTS`, …) there are; modes with none are left out. */
  primitiveModes: Record<string, number>;
  materials: number;
  textures: MeshTextureInfo[];
  /** The sum of the textures' `gpuBytes` that are known. */
  textureGpuBytes: number;
  animations: MeshAnimationInfo[];
  skins: MeshSkinInfo[];
  /** Morph targets: per mesh, the most any of its primitives has; summed over meshes. */
  morphTargets: number;
  /** World space (metres, Y-up), of what the scene draws; null when it draws no vertex. */
  bounds: { min: Vec3; max: Vec3; size: Vec3 } | null;
  /** The up axis the file declared, before it was turned to Y-up. */
  sourceUpAxis?: 'X' | 'Y' | 'Z';
  /** Metres per unit of the file, where it states one. */
  sourceUnitMetres?: number;
  /** Missing or refused textures, ignored extensions, dropped features. */
  warnings: string[];
}

/** A model's facts, from the loaded source alone (pure: reads no file). */
export function describeMesh(source: MeshSource): MeshMetadata {
  const root = source.document.getRoot();
  const meshes = root.listMeshes();
  const primitives = meshes.flatMap((mesh) => mesh.listPrimitives());
  const primitiveModes: Record<string, number> = {};
  for (const primitive of primitives) {
    const mode = PRIMITIVE_MODE_NAMES[primitive.getMode()] ?? `mode ${primitive.getMode()}`;
    primitiveModes[mode] = (primitiveModes[mode] ?? 0) + 1;
  }
  const textures = root.listTextures().map(describeTexture);
  const bounds = worldBounds(source.document);
  return {
    format: source.format,
    ...(source.formatVersion ? { formatVersion: source.formatVersion } : {}),
    nodes: root.listNodes().length,
    meshes: meshes.length,
    primitives: primitives.length,
    vertices: sum(primitives.map(primitiveVertices)),
    triangles: sum(primitives.map(primitiveTriangles)),
    primitiveModes,
    materials: root.listMaterials().length,
    textures,
    textureGpuBytes: sum(textures.map((texture) => texture.gpuBytes ?? 0)),
    animations: root.listAnimations().map((animation, index) => ({
      name: animation.getName() || `animation ${index}`,
      durationSeconds: Math.max(
        0,
        ...animation.listSamplers().map((sampler) => {
          const times = sampler.getInput();
          return times && times.getCount() > 0 ? times.getMax([0])[0] : 0;
        }),
      ),
      channels: animation.listChannels().length,
    })),
    skins: root.listSkins().map((skin, index) => ({
      name: skin.getName() || `skin ${index}`,
      joints: skin.listJoints().length,
    })),
    morphTargets: sum(
      meshes.map((mesh) =>
        Math.max(0, ...mesh.listPrimitives().map((p) => p.listTargets().length)),
      ),
    ),
    bounds: bounds
      ? {
          min: bounds.min,
          max: bounds.max,
          size: [0, 1, 2].map((axis) => bounds.max[axis] - bounds.min[axis]) as Vec3,
        }
      : null,
    ...(source.sourceUpAxis ? { sourceUpAxis: source.sourceUpAxis } : {}),
    ...(source.sourceUnitMetres !== undefined ? { sourceUnitMetres: source.sourceUnitMetres } : {}),
    warnings: [...source.warnings],
  };
}

function describeTexture(texture: Texture, index: number): MeshTextureInfo {
  const image = texture.getImage();
  const mimeType = texture.getMimeType();
  let size: [number, number] | null = null;
  try {
    size = image ? ImageUtils.getSize(image, mimeType) : null;
  } catch {
    size = null; // a header too short or lying: the size is unknown, not an error of the model
  }
  const uri = texture.getURI();
  return {
    name: texture.getName() || (uri ? posix.basename(uri.replace(/\\/g, '/')) : `texture ${index}`),
    mimeType,
    width: size?.[0] ?? null,
    height: size?.[1] ?? null,
    gpuBytes: size ? Math.round((size[0] * size[1] * 4 * 4) / 3) : null,
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

export const METADATA_JSON = 'metadata.json';

/**
 * `inspect` for models: writes `metadata.json` (pretty JSON) and returns the same facts as
 * `metadata`. The pipeline loads the source (most of this step's time) and passes it in.
 */
export async function inspectMesh(
  request: StepRequest,
  ctx: StepContext,
  source: MeshSource,
): Promise<StepResult> {
  parseStepOptions('inspect', request.options); // it takes none: refuses any
  ctx.progress(0);
  const metadata = describeMesh(source);
  ctx.signal.throwIfAborted();
  const path = await writeOutputAtomically(request.workDir, METADATA_JSON, (temp) =>
    writeFile(temp, `${JSON.stringify(metadata, null, 2)}\n`),
  );
  ctx.progress(1);
  return {
    outputs: [{ name: METADATA_JSON, path, contentType: 'application/json' }],
    metadata: { ...metadata },
  };
}
