import type { Accessor, Document, Material, Node, Primitive, Texture } from '@gltf-transform/core';
import { meshEmpty } from '../mesh-errors';
import { MAT4_IDENTITY, multiplyMat4 } from '../mat4';
import type { Transform } from '@gltf-transform/extensions';
import {
  decodeRenderTexture,
  TEXTURE_DECODE_DEFAULTS,
  type RenderTexture,
  type TextureDecodeOptions,
} from './render-texture';

/** glTF sampler wrap modes, as the rasterizer's texture lookup reads them. */
export const WRAP_REPEAT = 0;
export const WRAP_CLAMP = 1;
export const WRAP_MIRROR = 2;

/** What the rasterizer needs of a glTF material. */
export interface RenderMaterial {
  texture: RenderTexture | null;
  wrapS: number;
  wrapT: number;
  /**
   * Alpha below this is not drawn: 0 for OPAQUE (no test), `alphaCutoff` for MASK, and 0.5 for
   * BLEND, which a z-buffer without sorting cannot blend: mostly-opaque parts show, faint ones not.
   */
  alphaCutoff: number;
  /** Back faces are drawn (lit from their own side) instead of culled. */
  doubleSided: boolean;
  /** `KHR_materials_unlit`: the colour as is, no lighting. */
  unlit: boolean;
  /** Linear RGBA base-colour factor (light grey for a primitive without material). */
  baseColor: [number, number, number, number];
}

/** One primitive drawn at one node: consecutive triangles and vertices sharing a material. */
export interface RenderBatch {
  firstTriangle: number;
  triangleCount: number;
  firstVertex: number;
  vertexCount: number;
  material: number;
}

/** An axis-aligned box in world space. */
export interface Bounds {
  min: [number, number, number];
  max: [number, number, number];
}

/**
 * A model flattened for drawing: every triangle of the scene in world space (node transforms
 * applied), in flat typed arrays the rasterizer's loops read without allocating.
 */
export interface RenderScene {
  vertexCount: number;
  triangleCount: number;
  /** World-space xyz per vertex. */
  positions: Float32Array;
  /** World-space unit normal per vertex (the face's, when the primitive has none). */
  normals: Float32Array;
  /**
   * Linear RGBA `COLOR_0` per vertex (white where a primitive has none), multiplying the
   * material's base colour; empty when no primitive has vertex colours.
   */
  colors: Float32Array;
  /** Base-colour texture coordinates per vertex, `KHR_texture_transform` applied; empty when no material has a texture. */
  uvs: Float32Array;
  /** Three vertex indices per triangle, counter-clockwise seen from the front. */
  indices: Uint32Array;
  /** The material index of each triangle; empty when every triangle has the first batch's. */
  triangleMaterial: Uint32Array;
  batches: RenderBatch[];
  materials: RenderMaterial[];
  bounds: Bounds;
  /** Textures that could not be decoded (the model is drawn without them). */
  warnings: string[];
}

/**
 * A {@link RenderScene} with its fields always in one order, so every scene (a model's, its
 * simplified copy) has one hidden class and the rasterizer's compiled loops serve them all
 * instead of being thrown away when a second shape shows up.
 */
export function createRenderScene(fields: RenderScene): RenderScene {
  return {
    vertexCount: fields.vertexCount,
    triangleCount: fields.triangleCount,
    positions: fields.positions,
    normals: fields.normals,
    colors: fields.colors,
    uvs: fields.uvs,
    indices: fields.indices,
    triangleMaterial: fields.triangleMaterial,
    batches: fields.batches,
    materials: fields.materials,
    bounds: fields.bounds,
    warnings: fields.warnings,
  };
}

/** The colour of a primitive without a material: light grey, so lighting still shows its shape. */
const NO_MATERIAL_COLOR = [0.8, 0.8, 0.8, 1] as const;

const MODE_TRIANGLES = 4;
const MODE_TRIANGLE_STRIP = 5;
const MODE_TRIANGLE_FAN = 6;

interface Draw {
  primitive: Primitive;
  /** Column-major world matrix of the node. */
  world: Float64Array;
}

/** A draw's triangles, read and expanded, before they are copied into the scene. */
interface PreparedDraw {
  draw: Draw;
  positions: Float32Array;
  /** Local vertex indices, three per triangle. */
  triangles: IndexArray;
  normals: Float32Array | null;
  /** Output vertex → source vertex, when the primitive is drawn unindexed (flat normals). */
  vertexSource: Uint32Array | null;
  vertexCount: number;
  material: number;
}

/**
 * Flattens the default scene of `document` (else its first, else every root node) into a
 * {@link RenderScene}: node transforms applied (each node once, so a cycle in a broken file
 * cannot loop), skinned meshes in their bind pose (drawn by their node's transform, as three.js
 * binds them), morph targets ignored, points and lines skipped, strips and fans expanded,
 * primitives without normals given flat ones (as glTF asks). Base-colour textures are decoded
 * once each, at most `textures.maxSide` on a side.
 *
 * @param label names the model in error messages (its file name).
 * @throws ProcessingError `MESH_EMPTY` when nothing can be drawn: no triangle, every triangle of
 *   zero area, or a position that is not a finite number.
 */
export async function buildRenderScene(
  document: Document,
  label: string,
  textures: TextureDecodeOptions = TEXTURE_DECODE_DEFAULTS,
): Promise<RenderScene> {
  const warnings: string[] = [];
  const materialIndex = new Map<Material | null, number>();
  const materialSources: (Material | null)[] = [];
  const prepared: PreparedDraw[] = [];
  let vertexCount = 0;
  let triangleCount = 0;
  for (const draw of collectDraws(document)) {
    const part = prepareDraw(draw, materialIndex, materialSources);
    if (!part) continue;
    prepared.push(part);
    vertexCount += part.vertexCount;
    triangleCount += part.triangles.length / 3;
  }
  if (triangleCount === 0) {
    throw meshEmpty(
      `${label} has no triangles to draw (only points or lines, or no mesh in its scene).`,
    );
  }

  const materials = await buildMaterials(materialSources, textures, warnings);
  // A model of one primitive (the usual shape of a huge one) lends its own arrays where no
  // transform changes them: on this kind of machine the first touch of fresh memory costs
  // ~3 ms per MB, more than the loops that would fill it.
  const only = prepared.length === 1 ? prepared[0] : null;
  const lend = only && !only.vertexSource ? only : null;
  const uvSources = prepared.map((part) =>
    materials[part.material].texture ? uvSource(part, materialSources[part.material]) : null,
  );
  const anyColors = prepared.some((part) => vertexColors(part) !== null);
  const oneMaterial = prepared.every((part) => part.material === prepared[0].material);
  const scene = createRenderScene({
    vertexCount,
    triangleCount,
    positions:
      lend && isIdentity(lend.draw.world) ? lend.positions : new Float32Array(vertexCount * 3),
    normals:
      lend?.normals && isLinearIdentity(lend.draw.world)
        ? lend.normals
        : new Float32Array(vertexCount * 3),
    colors: new Float32Array(anyColors ? vertexCount * 4 : 0),
    uvs:
      lend && uvSources[0] && !uvSources[0].transform
        ? uvSources[0].source.subarray(0, vertexCount * 2)
        : new Float32Array(uvSources.some(Boolean) ? vertexCount * 2 : 0),
    indices:
      lend && lend.triangles instanceof Uint32Array && determinant3(lend.draw.world) > 0
        ? lend.triangles
        : new Uint32Array(triangleCount * 3),
    triangleMaterial: new Uint32Array(oneMaterial ? 0 : triangleCount),
    batches: [],
    materials,
    bounds: { min: [Infinity, Infinity, Infinity], max: [-Infinity, -Infinity, -Infinity] },
    warnings,
  });
  let firstVertex = 0;
  let firstTriangle = 0;
  let drawable = false;
  prepared.forEach((part, i) => {
    const batch: RenderBatch = {
      firstTriangle,
      triangleCount: part.triangles.length / 3,
      firstVertex,
      vertexCount: part.vertexCount,
      material: part.material,
    };
    writePositions(scene, part, batch, label);
    if (scene.indices !== part.triangles) writeTriangles(scene, part, batch);
    drawable ||= anyArea(scene, batch);
    if (scene.normals !== part.normals) writeNormals(scene, part, batch);
    if (anyColors) writeColors(scene, part, batch);
    const uvs = uvSources[i];
    if (uvs && scene.uvs.buffer !== uvs.source.buffer) writeUvs(scene, part, batch, uvs);
    scene.batches.push(batch);
    firstVertex += batch.vertexCount;
    firstTriangle += batch.triangleCount;
  });
  if (!drawable) {
    throw meshEmpty(
      `${label} has nothing to draw: all of its ${triangleCount} triangles have zero area.`,
    );
  }
  return scene;
}

/** Every primitive of the scene with its node's world matrix, each node visited once. */
function collectDraws(document: Document): Draw[] {
  const root = document.getRoot();
  const scene = root.getDefaultScene() ?? root.listScenes()[0];
  const roots = scene
    ? scene.listChildren()
    : root.listNodes().filter((node) => !node.getParentNode());
  const seen = new Set<Node>();
  const draws: Draw[] = [];
  const stack: { node: Node; parent: Float64Array }[] = roots.map((node) => ({
    node,
    parent: IDENTITY,
  }));
  while (stack.length > 0) {
    const { node, parent } = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    const world = multiplyMat4(parent, node.getMatrix());
    for (const primitive of node.getMesh()?.listPrimitives() ?? [])
      draws.push({ primitive, world });
    for (const child of node.listChildren()) stack.push({ node: child, parent: world });
  }
  return draws;
}

function prepareDraw(
  draw: Draw,
  materialIndex: Map<Material | null, number>,
  materialSources: (Material | null)[],
): PreparedDraw | null {
  const { primitive } = draw;
  const position = primitive.getAttribute('POSITION');
  const positions = position && position.getElementSize() === 3 ? floats(position) : null;
  if (!positions || positions.length === 0) return null;
  const sourceCount = positions.length / 3;
  const triangles = triangleList(primitive, sourceCount);
  if (!triangles || triangles.length === 0) return null;

  const normal = primitive.getAttribute('NORMAL');
  const normals = normal && normal.getCount() === sourceCount ? floats(normal) : null;
  // Without normals each triangle gets its own three vertices, lit by its face normal.
  const vertexSource = normals ? null : Uint32Array.from(triangles);
  const vertexCount = vertexSource ? vertexSource.length : sourceCount;

  const material = primitive.getMaterial();
  let index = materialIndex.get(material);
  if (index === undefined) {
    index = materialSources.length;
    materialIndex.set(material, index);
    materialSources.push(material);
  }
  return { draw, positions, triangles, normals, vertexSource, vertexCount, material: index };
}

/** Vertex indices as a glTF accessor holds them. */
type IndexArray = Uint8Array | Uint16Array | Uint32Array;

/**
 * The primitive's triangles as local vertex indices, strips and fans expanded; null for points
 * and lines. A triangle list's own index array is used as is when every index is in range (the
 * usual case: no copy of a million-triangle index buffer).
 */
function triangleList(primitive: Primitive, vertexCount: number): IndexArray | null {
  const mode = primitive.getMode();
  if (mode !== MODE_TRIANGLES && mode !== MODE_TRIANGLE_STRIP && mode !== MODE_TRIANGLE_FAN) {
    return null;
  }
  const indexAccessor = primitive.getIndices();
  const source = indexAccessor ? (indexAccessor.getArray() as IndexArray | null) : null;
  const count = indexAccessor ? (source?.length ?? 0) : vertexCount;
  if (mode === MODE_TRIANGLES) {
    const length = count - (count % 3);
    if (!source) return sequence(length);
    const list = length === source.length ? source : source.subarray(0, length);
    return maxOf(list) < vertexCount ? list : dropOutOfRange(list, vertexCount);
  }
  const at = source ? (i: number) => source[i] : (i: number) => i;
  const triangles = Math.max(0, count - 2);
  const list = new Uint32Array(triangles * 3);
  for (let i = 0; i < triangles; i++) {
    if (mode === MODE_TRIANGLE_STRIP) {
      // Every other triangle of a strip is wound the other way; glTF's order keeps them all CCW.
      list[i * 3] = at(i);
      list[i * 3 + 1] = at(i + 1 + (i % 2));
      list[i * 3 + 2] = at(i + 2 - (i % 2));
    } else {
      list[i * 3] = at(i + 1);
      list[i * 3 + 1] = at(i + 2);
      list[i * 3 + 2] = at(0);
    }
  }
  return maxOf(list) < vertexCount ? list : dropOutOfRange(list, vertexCount);
}

function sequence(length: number): Uint32Array {
  const list = new Uint32Array(length);
  for (let i = 0; i < length; i++) list[i] = i;
  return list;
}

function maxOf(list: IndexArray): number {
  let max = 0;
  for (let i = 0; i < list.length; i++) if (list[i] > max) max = list[i];
  return max;
}

/** The triangles whose three indices all point at a vertex: past the end would read garbage. */
function dropOutOfRange(list: IndexArray, vertexCount: number): Uint32Array {
  const kept = new Uint32Array(list.length);
  let length = 0;
  for (let i = 0; i + 2 < list.length; i += 3) {
    const a = list[i];
    const b = list[i + 1];
    const c = list[i + 2];
    if (a >= vertexCount || b >= vertexCount || c >= vertexCount) continue;
    kept[length++] = a;
    kept[length++] = b;
    kept[length++] = c;
  }
  return kept.slice(0, length);
}

function writePositions(
  scene: RenderScene,
  part: PreparedDraw,
  batch: RenderBatch,
  label: string,
): void {
  const m = part.draw.world;
  const { positions: source, vertexSource } = part;
  const out = scene.positions;
  const lent = out === source; // only the bounds to find (and non-finite values to refuse)
  const { min, max } = scene.bounds;
  for (let v = 0; v < batch.vertexCount; v++) {
    const s = (vertexSource ? vertexSource[v] : v) * 3;
    const x = source[s];
    const y = source[s + 1];
    const z = source[s + 2];
    const wx = m[0] * x + m[4] * y + m[8] * z + m[12];
    const wy = m[1] * x + m[5] * y + m[9] * z + m[13];
    const wz = m[2] * x + m[6] * y + m[10] * z + m[14];
    if (!Number.isFinite(wx) || !Number.isFinite(wy) || !Number.isFinite(wz)) {
      const mesh = part.draw.primitive.listParents().find((p) => p.propertyType === 'Mesh');
      throw meshEmpty(
        `${label} has no finite bounds: a vertex of mesh "${mesh?.getName() ?? ''}" is not a finite number (NaN or infinite), or its node's transform is not.`,
      );
    }
    if (!lent) {
      const o = (batch.firstVertex + v) * 3;
      out[o] = wx;
      out[o + 1] = wy;
      out[o + 2] = wz;
    }
    if (wx < min[0]) min[0] = wx;
    if (wy < min[1]) min[1] = wy;
    if (wz < min[2]) min[2] = wz;
    if (wx > max[0]) max[0] = wx;
    if (wy > max[1]) max[1] = wy;
    if (wz > max[2]) max[2] = wz;
  }
}

/** Copies the triangles in, front faces counter-clockwise. */
function writeTriangles(scene: RenderScene, part: PreparedDraw, batch: RenderBatch): void {
  const { triangles, vertexSource } = part;
  const out = scene.indices;
  const base = batch.firstVertex;
  const start = batch.firstTriangle * 3;
  const length = batch.triangleCount * 3;
  if (vertexSource) {
    for (let i = 0; i < length; i++) out[start + i] = base + i;
  } else if (base === 0) {
    out.set(triangles, start); // a memcpy: the first (often only) primitive of a big model
  } else {
    for (let i = 0; i < length; i++) out[start + i] = base + triangles[i];
  }
  // A mirroring transform (negative determinant) turns the winding around.
  if (determinant3(part.draw.world) < 0) {
    for (let i = start; i < start + length; i += 3) {
      const b = out[i + 1];
      out[i + 1] = out[i + 2];
      out[i + 2] = b;
    }
  }
  if (scene.triangleMaterial.length === 0) return;
  scene.triangleMaterial.fill(
    batch.material,
    batch.firstTriangle,
    batch.firstTriangle + batch.triangleCount,
  );
}

/** Whether any triangle of the batch has a non-zero area (usually the first one does). */
function anyArea(scene: RenderScene, batch: RenderBatch): boolean {
  const p = scene.positions;
  const idx = scene.indices;
  for (let t = batch.firstTriangle; t < batch.firstTriangle + batch.triangleCount; t++) {
    const a = idx[t * 3] * 3;
    const b = idx[t * 3 + 1] * 3;
    const c = idx[t * 3 + 2] * 3;
    const ux = p[b] - p[a];
    const uy = p[b + 1] - p[a + 1];
    const uz = p[b + 2] - p[a + 2];
    const vx = p[c] - p[a];
    const vy = p[c + 1] - p[a + 1];
    const vz = p[c + 2] - p[a + 2];
    if (uy * vz - uz * vy !== 0 || uz * vx - ux * vz !== 0 || ux * vy - uy * vx !== 0) return true;
  }
  return false;
}

function writeNormals(scene: RenderScene, part: PreparedDraw, batch: RenderBatch): void {
  const out = scene.normals;
  if (!part.normals) {
    // Flat: the three vertices of each triangle share its face normal (from world positions).
    const p = scene.positions;
    const idx = scene.indices;
    for (let t = batch.firstTriangle; t < batch.firstTriangle + batch.triangleCount; t++) {
      const a = idx[t * 3] * 3;
      const b = idx[t * 3 + 1] * 3;
      const c = idx[t * 3 + 2] * 3;
      const ux = p[b] - p[a];
      const uy = p[b + 1] - p[a + 1];
      const uz = p[b + 2] - p[a + 2];
      const vx = p[c] - p[a];
      const vy = p[c + 1] - p[a + 1];
      const vz = p[c + 2] - p[a + 2];
      const nx = uy * vz - uz * vy;
      const ny = uz * vx - ux * vz;
      const nz = ux * vy - uy * vx;
      const scale = 1 / (Math.hypot(nx, ny, nz) || 1);
      out[a] = out[b] = out[c] = nx * scale;
      out[a + 1] = out[b + 1] = out[c + 1] = ny * scale;
      out[a + 2] = out[b + 2] = out[c + 2] = nz * scale;
    }
    return;
  }
  // Normals transform by the inverse transpose; the cofactor matrix is that times the
  // determinant, so its sign is put back and the length normalised away.
  const m = part.draw.world;
  const source = part.normals;
  if (isLinearIdentity(m) && source.length === batch.vertexCount * 3) {
    out.set(source, batch.firstVertex * 3); // glTF normals are unit length already
    return;
  }
  const sign = determinant3(m) < 0 ? -1 : 1;
  const c00 = sign * (m[5] * m[10] - m[6] * m[9]);
  const c01 = sign * (m[6] * m[8] - m[4] * m[10]);
  const c02 = sign * (m[4] * m[9] - m[5] * m[8]);
  const c10 = sign * (m[9] * m[2] - m[10] * m[1]);
  const c11 = sign * (m[10] * m[0] - m[8] * m[2]);
  const c12 = sign * (m[8] * m[1] - m[9] * m[0]);
  const c20 = sign * (m[1] * m[6] - m[2] * m[5]);
  const c21 = sign * (m[2] * m[4] - m[0] * m[6]);
  const c22 = sign * (m[0] * m[5] - m[1] * m[4]);
  for (let v = 0; v < batch.vertexCount; v++) {
    const x = source[v * 3];
    const y = source[v * 3 + 1];
    const z = source[v * 3 + 2];
    const nx = c00 * x + c10 * y + c20 * z;
    const ny = c01 * x + c11 * y + c21 * z;
    const nz = c02 * x + c12 * y + c22 * z;
    const length = Math.hypot(nx, ny, nz);
    const scale = length > 0 && Number.isFinite(length) ? 1 / length : 0;
    const o = (batch.firstVertex + v) * 3;
    out[o] = nx * scale;
    out[o + 1] = ny * scale;
    out[o + 2] = nz * scale;
  }
}

/** The primitive's `COLOR_0` as floats with their width (3 or 4), if it has a usable one. */
function vertexColors(part: PreparedDraw): { colors: Float32Array; size: number } | null {
  const accessor = part.draw.primitive.getAttribute('COLOR_0');
  const size = accessor?.getElementSize() ?? 0;
  if (!accessor || (size !== 3 && size !== 4)) return null;
  if (accessor.getCount() * 3 < part.positions.length) return null;
  return { colors: floats(accessor), size };
}

function writeColors(scene: RenderScene, part: PreparedDraw, batch: RenderBatch): void {
  const out = scene.colors;
  const source = vertexColors(part);
  if (!source) {
    fillRepeated(
      out,
      [1, 1, 1, 1],
      batch.firstVertex * 4,
      (batch.firstVertex + batch.vertexCount) * 4,
    );
    return;
  }
  const { colors, size } = source;
  const { vertexSource } = part;
  for (let v = 0; v < batch.vertexCount; v++) {
    const o = (batch.firstVertex + v) * 4;
    const s = (vertexSource ? vertexSource[v] : v) * size;
    out[o] = colors[s];
    out[o + 1] = colors[s + 1];
    out[o + 2] = colors[s + 2];
    out[o + 3] = size === 4 ? colors[s + 3] : 1;
  }
}

/** The base-colour texture's coordinates of a primitive and the transform on them. */
interface UvSource {
  source: Float32Array;
  transform: Transform | null;
}

function uvSource(part: PreparedDraw, material: Material | null): UvSource | null {
  const info = material?.getBaseColorTextureInfo();
  if (!info) return null;
  const transform = info.getExtension<Transform>('KHR_texture_transform');
  const set = transform?.getTexCoord() ?? info.getTexCoord();
  const accessor = part.draw.primitive.getAttribute(`TEXCOORD_${set}`);
  if (!accessor || accessor.getElementSize() !== 2) return null; // left at 0: one texel's colour
  const source = floats(accessor);
  if (source.length < (part.positions.length / 3) * 2 && !part.vertexSource) return null;
  return { source, transform };
}

function writeUvs(
  scene: RenderScene,
  part: PreparedDraw,
  batch: RenderBatch,
  { source, transform }: UvSource,
): void {
  const [ox, oy] = transform?.getOffset() ?? [0, 0];
  const [sx, sy] = transform?.getScale() ?? [1, 1];
  const rotation = transform?.getRotation() ?? 0;
  // KHR_texture_transform: translation × rotation × scale.
  const cos = Math.cos(rotation);
  const sin = Math.sin(rotation);
  const out = scene.uvs;
  const { vertexSource } = part;
  const sourceCount = source.length / 2;
  if (!transform && !vertexSource && sourceCount >= batch.vertexCount) {
    out.set(source.subarray(0, batch.vertexCount * 2), batch.firstVertex * 2);
    return;
  }
  for (let v = 0; v < batch.vertexCount; v++) {
    const s = vertexSource ? vertexSource[v] : v;
    if (s >= sourceCount) continue;
    const u = source[s * 2] * sx;
    const w = source[s * 2 + 1] * sy;
    const o = (batch.firstVertex + v) * 2;
    out[o] = ox + cos * u + sin * w;
    out[o + 1] = oy - sin * u + cos * w;
  }
}

async function buildMaterials(
  sources: (Material | null)[],
  options: TextureDecodeOptions,
  warnings: string[],
): Promise<RenderMaterial[]> {
  const decoded = new Map<Texture, Promise<RenderTexture | null>>();
  const decode = (texture: Texture): Promise<RenderTexture | null> => {
    let pending = decoded.get(texture);
    if (!pending) {
      pending = decodeRenderTexture(texture, options).then((result) => {
        if ('failure' in result) {
          const name = texture.getName() || texture.getURI() || 'a base-colour texture';
          warnings.push(`Texture "${name}" is drawn as plain colour: ${result.failure}`);
          return null;
        }
        return result;
      });
      decoded.set(texture, pending);
    }
    return pending;
  };
  return Promise.all(
    sources.map(async (material): Promise<RenderMaterial> => {
      if (!material) {
        return {
          texture: null,
          wrapS: WRAP_REPEAT,
          wrapT: WRAP_REPEAT,
          alphaCutoff: 0,
          doubleSided: false,
          unlit: false,
          baseColor: [...NO_MATERIAL_COLOR],
        };
      }
      const source = material.getBaseColorTexture();
      const info = material.getBaseColorTextureInfo();
      const mode = material.getAlphaMode();
      return {
        texture: source ? await decode(source) : null,
        wrapS: wrapOf(info?.getWrapS()),
        wrapT: wrapOf(info?.getWrapT()),
        alphaCutoff: mode === 'MASK' ? material.getAlphaCutoff() : mode === 'BLEND' ? 0.5 : 0,
        doubleSided: material.getDoubleSided(),
        unlit: material.getExtension('KHR_materials_unlit') !== null,
        baseColor: [...material.getBaseColorFactor()],
      };
    }),
  );
}

/** Fills `out[start, end)` with `pattern` over and over, by doubling copies (memmoves, no per-element loop). */
function fillRepeated(
  out: Float32Array,
  pattern: ArrayLike<number>,
  start: number,
  end: number,
): void {
  if (end <= start) return;
  out.set(pattern, start);
  for (let filled = pattern.length; start + filled < end; filled *= 2) {
    out.copyWithin(start + filled, start, start + Math.min(filled, end - start - filled));
  }
}

function wrapOf(mode: number | undefined): number {
  if (mode === 33071) return WRAP_CLAMP; // CLAMP_TO_EDGE
  if (mode === 33648) return WRAP_MIRROR; // MIRRORED_REPEAT
  return WRAP_REPEAT;
}

const NORMALIZED_DIVISOR: Record<number, number> = {
  5120: 127, // BYTE
  5121: 255, // UNSIGNED_BYTE
  5122: 32767, // SHORT
  5123: 65535, // UNSIGNED_SHORT
  5125: 4294967295, // UNSIGNED_INT
};

/** An accessor's elements as floats, normalised integers scaled to 0-1 (or -1-1). */
function floats(accessor: Accessor): Float32Array {
  // gltf-transform's TypedArray includes Float16Array, which lib ES2023 does not know.
  const array = accessor.getArray() as ArrayLike<number> | null;
  if (!array) return new Float32Array(0);
  if (array instanceof Float32Array) return array;
  const out = Float32Array.from(array);
  if (accessor.getNormalized()) {
    const divisor = NORMALIZED_DIVISOR[accessor.getComponentType()] ?? 1;
    for (let i = 0; i < out.length; i++) out[i] = Math.max(out[i] / divisor, -1);
  }
  return out;
}

const IDENTITY = Float64Array.from(MAT4_IDENTITY);

function isIdentity(m: Float64Array): boolean {
  return isLinearIdentity(m) && m[12] === 0 && m[13] === 0 && m[14] === 0;
}

/** Whether the matrix neither turns, scales nor mirrors (it may move). */
function isLinearIdentity(m: Float64Array): boolean {
  return (
    m[0] === 1 &&
    m[1] === 0 &&
    m[2] === 0 &&
    m[4] === 0 &&
    m[5] === 1 &&
    m[6] === 0 &&
    m[8] === 0 &&
    m[9] === 0 &&
    m[10] === 1
  );
}

function determinant3(m: Float64Array): number {
  return (
    m[0] * (m[5] * m[10] - m[6] * m[9]) -
    m[4] * (m[1] * m[10] - m[2] * m[9]) +
    m[8] * (m[1] * m[6] - m[2] * m[5])
  );
}
