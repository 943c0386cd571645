import type { Document, Node, Primitive } from '@gltf-transform/core';
import { MAT4_IDENTITY, multiplyMat4 } from './mat4';

/** glTF's primitive modes (`Primitive.Mode`), by name. */
export const PRIMITIVE_MODE_NAMES: Readonly<Record<number, string>> = {
  0: 'POINTS',
  1: 'LINES',
  2: 'LINE_LOOP',
  3: 'LINE_STRIP',
  4: 'TRIANGLES',
  5: 'TRIANGLE_STRIP',
  6: 'TRIANGLE_FAN',
};

/** How many vertices a primitive has: its `POSITION` count (0 without positions). */
export function primitiveVertices(primitive: Primitive): number {
  return primitive.getAttribute('POSITION')?.getCount() ?? 0;
}

/**
 * How many triangles a primitive draws: indices (or vertices, unindexed) / 3 for TRIANGLES,
 * n − 2 for strips and fans; points and lines draw none.
 */
export function primitiveTriangles(primitive: Primitive): number {
  const drawn = primitive.getIndices()?.getCount() ?? primitiveVertices(primitive);
  switch (primitive.getMode()) {
    case 4:
      return Math.floor(drawn / 3);
    case 5:
    case 6:
      return Math.max(0, drawn - 2);
    default:
      return 0;
  }
}

export type Vec3 = [number, number, number];

/** An axis-aligned box in world space (metres, Y-up). */
export interface Bounds {
  min: Vec3;
  max: Vec3;
}

type Mat4 = ArrayLike<number>;

/**
 * The world-space box around every vertex the document's scene draws (the default scene, else
 * every scene, else every node without a parent), node transforms applied, skins and morph
 * targets at rest; a NaN or infinite coordinate makes the box non-finite (see `isFiniteBounds`).
 * Undefined when no vertex is drawn. Each node is visited once, so a node loop
 * (glTF forbids one, but a file may hold one) cannot make it run forever.
 */
export function worldBounds(document: Document): Bounds | undefined {
  const root = document.getRoot();
  const scenes = root.getDefaultScene() ? [root.getDefaultScene()] : root.listScenes();
  const roots: Node[] =
    scenes.length > 0
      ? scenes.flatMap((scene) => scene?.listChildren() ?? [])
      : root.listNodes().filter((node) => !node.getParentNode());
  const min: Vec3 = [Infinity, Infinity, Infinity];
  const max: Vec3 = [-Infinity, -Infinity, -Infinity];
  const drawn = { vertices: 0 };
  const visited = new Set<Node>();
  const pending: Array<[Node, Mat4]> = roots.map((node) => [node, MAT4_IDENTITY]);
  while (pending.length > 0) {
    const [node, parentMatrix] = pending.pop() as [Node, Mat4];
    if (visited.has(node)) continue;
    visited.add(node);
    const world = multiplyMat4(parentMatrix, node.getMatrix());
    for (const primitive of node.getMesh()?.listPrimitives() ?? []) {
      drawn.vertices += growBounds(primitive, world, min, max);
    }
    for (const child of node.listChildren()) pending.push([child, world]);
  }
  return drawn.vertices > 0 ? { min, max } : undefined;
}

/** Whether every coordinate of the box is a finite number. */
export function isFiniteBounds(bounds: Bounds): boolean {
  return [...bounds.min, ...bounds.max].every(Number.isFinite);
}

/** Grows the box by the primitive's vertices; returns how many it had. */
function growBounds(primitive: Primitive, m: Mat4, min: Vec3, max: Vec3): number {
  const position = primitive.getAttribute('POSITION');
  if (!position || position.getElementSize() !== 3) return 0;
  // Typed as gltf-transform's TypedArray union; any of them is indexable as numbers.
  const array = position.getArray() as ArrayLike<number> | null;
  if (!array) return 0;
  // Normalized or integer positions (KHR_mesh_quantization) go through getElement, which scales them.
  const direct = position.getComponentType() === 5126 && !position.getNormalized(); // FLOAT
  const element: number[] = [0, 0, 0];
  for (let i = 0, count = position.getCount(); i < count; i++) {
    let x: number, y: number, z: number;
    if (direct) {
      x = array[i * 3];
      y = array[i * 3 + 1];
      z = array[i * 3 + 2];
    } else {
      position.getElement(i, element);
      [x, y, z] = element;
    }
    const wx = m[0] * x + m[4] * y + m[8] * z + m[12];
    const wy = m[1] * x + m[5] * y + m[9] * z + m[13];
    const wz = m[2] * x + m[6] * y + m[10] * z + m[14];
    if (Number.isNaN(wx + wy + wz)) min[0] = NaN; // comparisons would skip it silently
    if (wx < min[0]) min[0] = wx;
    if (wy < min[1]) min[1] = wy;
    if (wz < min[2]) min[2] = wz;
    if (wx > max[0]) max[0] = wx;
    if (wy > max[1]) max[1] = wy;
    if (wz > max[2]) max[2] = wz;
  }
  return position.getCount();
}
