import type { Document, Texture } from '@gltf-transform/core';
import { prune, unpartition, weld } from '@gltf-transform/functions';
import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { writeOutputAtomically } from '../atomic-output';
import { errorMessage } from '../step-outcome';
import { parseStepOptions } from '../step-options';
import type { ProgressReporter, StepContext, StepRequest, StepResult } from '../step.types';
import type { MeshSource } from './load/mesh-source.types';
import { meshIO } from './mesh-io';
import { repairUnitVectors } from './unit-vectors';
import { validateModel } from './mesh-validate';

export const MODEL_GLB = 'model.glb';

export interface MeshConvertOptions {
  /** Textures of other formats are decoded to PNG; larger images are refused (libvips' guard). */
  maxTexturePixels: number;
}

export const MESH_CONVERT_DEFAULTS: Readonly<MeshConvertOptions> = {
  maxTexturePixels: 16384 * 16384,
};

/**
 * Extensions the source may use that `model.glb` must not: compression (it is a plain GLB, its
 * readers need no decoder; `optimize` compresses) and texture formats other than PNG and JPEG
 * (their textures are PNG by then).
 */
const DROPPED_EXTENSIONS = [
  'KHR_draco_mesh_compression',
  'EXT_meshopt_compression',
  'EXT_texture_webp',
  'EXT_texture_avif',
  'KHR_texture_basisu',
];

/** What `convert` made: the GLB's bytes and what a person should know about it. */
export interface ModelGlb {
  glb: Uint8Array;
  /** Textures that could not be kept, and the like. */
  warnings: string[];
}

/**
 * Turns a loaded model into the bytes of `model.glb`: one buffer, textures PNG or JPEG embedded,
 * bitwise-identical vertices welded, unused properties removed, no compression; skins, animations,
 * morph targets and material extensions kept. The source is already Y-up in metres (the loader's
 * job). The result is validated (`validateModel`) before it is returned.
 *
 * Changes `source.document` in place: run `inspect` on it first.
 */
export async function buildModelGlb(
  source: MeshSource,
  progress: ProgressReporter,
  signal: AbortSignal,
  options: Partial<MeshConvertOptions> = {},
): Promise<ModelGlb> {
  const settings = { ...MESH_CONVERT_DEFAULTS, ...options };
  const { document } = source;
  const warnings: string[] = [];
  progress(0);
  for (const texture of document.getRoot().listTextures()) {
    const warning = await ensureWebTexture(texture, settings.maxTexturePixels);
    if (warning) warnings.push(warning);
  }
  for (const extension of document.getRoot().listExtensionsUsed()) {
    if (DROPPED_EXTENSIONS.includes(extension.extensionName)) extension.dispose();
  }
  ensureScene(document);
  const rescaled = repairUnitVectors(document);
  if (rescaled > 0) {
    warnings.push(
      `${rescaled} ${rescaled === 1 ? 'accessor' : 'accessors'} of normals, tangents or rotations held vectors that were not unit length; they were rescaled.`,
    );
  }
  progress(0.1);
  signal.throwIfAborted();
  await document.transform(
    weld(),
    // Only what nothing uses: empty nodes (joints, attachment points), unused UV sets and
    // one-colour textures stay.
    prune({ keepLeaves: true, keepAttributes: true, keepSolidTextures: true, keepExtras: true }),
    unpartition(),
  );
  progress(0.5);
  signal.throwIfAborted();
  const glb = await (await meshIO()).writeBinary(document);
  progress(0.7);
  signal.throwIfAborted();
  await validateModel(glb, document, MODEL_GLB);
  progress(1);
  return { glb, warnings };
}

/**
 * Keeps PNG and JPEG as they are (with the MIME type their bytes show) and decodes anything else
 * sharp reads (WebP, AVIF, …) to PNG. A texture that cannot be decoded is removed from the model
 * and a warning returned.
 */
async function ensureWebTexture(texture: Texture, maxPixels: number): Promise<string | undefined> {
  const image = texture.getImage();
  const name = texture.getName() || texture.getURI() || 'a texture';
  if (!image || image.byteLength === 0) {
    texture.dispose();
    return `The texture "${name}" has no image; it was left out.`;
  }
  const actual = webImageType(image);
  if (actual) {
    texture.setMimeType(actual);
    return undefined;
  }
  try {
    const png = await sharp(image, { limitInputPixels: maxPixels, failOn: 'error' })
      .png()
      .toBuffer();
    texture.setImage(new Uint8Array(png)).setMimeType('image/png');
    if (texture.getURI()) texture.setURI(texture.getURI().replace(/\.[^./\\]*$/, '') + '.png');
    return undefined;
  } catch (error) {
    texture.dispose();
    return `The texture "${name}" (${texture.getMimeType() || 'unknown type'}) could not be decoded (${errorMessage(error)}); it was left out.`;
  }
}

/** `image/png` or `image/jpeg` when the bytes are one, by their magic numbers. */
function webImageType(bytes: Uint8Array): 'image/png' | 'image/jpeg' | undefined {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47)
    return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return undefined;
}

/**
 * A GLB's readers show its default scene. A source without one gets one: the first scene, else a
 * new scene holding every node without a parent, else a node per mesh.
 */
function ensureScene(document: Document): void {
  const root = document.getRoot();
  if (root.getDefaultScene()) return;
  const [first] = root.listScenes();
  if (first) {
    root.setDefaultScene(first);
    return;
  }
  const scene = document.createScene();
  const roots = root.listNodes().filter((node) => !node.getParentNode());
  if (roots.length > 0) for (const node of roots) scene.addChild(node);
  else
    for (const mesh of root.listMeshes())
      scene.addChild(document.createNode(mesh.getName()).setMesh(mesh));
  root.setDefaultScene(scene);
}

/**
 * `convert` for models: writes `model.glb` (see `buildModelGlb`). The pipeline loads the source
 * and passes it in.
 */
export async function convertMesh(
  request: StepRequest,
  ctx: StepContext,
  source: MeshSource,
  options: Partial<MeshConvertOptions> = {},
): Promise<StepResult> {
  parseStepOptions('convert', request.options); // it takes none: refuses any
  const { glb, warnings } = await buildModelGlb(
    source,
    (fraction) => ctx.progress(fraction * 0.95),
    ctx.signal,
    options,
  );
  const path = await writeOutputAtomically(request.workDir, MODEL_GLB, (temp) =>
    writeFile(temp, glb),
  );
  ctx.progress(1);
  return {
    outputs: [{ name: MODEL_GLB, path, contentType: 'model/gltf-binary' }],
    ...(warnings.length > 0 ? { metadata: { convertWarnings: warnings } } : {}),
  };
}
