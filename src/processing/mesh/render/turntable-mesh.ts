import { MeshoptSimplifier } from 'meshoptimizer';
import type { RenderBatch, RenderScene } from './render-scene';

/**
 * Primitives with fewer triangles than this are kept whole: simplifying them saves little, and
 * small parts (a button, an eye) would lose their shape first.
 */
const SMALL_BATCH = 256;

/**
 * A copy of `scene` with about `maxTriangles` triangles at most, for images too small to show
 * more (a 256² turntable frame has 65 536 pixels). Each primitive larger than a few hundred
 * triangles is simplified on its own by meshoptimizer's sloppy (vertex-clustering) simplifier,
 * which is fast and ignores topology, so unwelded and non-manifold meshes reduce as well; its
 * vertices keep their normals, colours and texture coordinates. Unused vertices are dropped, so
 * each frame transforms and lights only what it draws. A scene within the budget is returned as is.
 */
export async function simplifyForTurntable(
  scene: RenderScene,
  maxTriangles: number,
): Promise<RenderScene> {
  if (scene.triangleCount <= maxTriangles) return scene;
  await MeshoptSimplifier.ready;
  const ratio = maxTriangles / scene.triangleCount;
  const parts: { batch: RenderBatch; indices: Uint32Array }[] = [];
  for (const batch of scene.batches) {
    const start = batch.firstTriangle * 3;
    const local = scene.indices.slice(start, start + batch.triangleCount * 3);
    for (let i = 0; i < local.length; i++) local[i] -= batch.firstVertex;
    if (batch.triangleCount < SMALL_BATCH) {
      parts.push({ batch, indices: local });
      continue;
    }
    const positions = scene.positions.subarray(
      batch.firstVertex * 3,
      (batch.firstVertex + batch.vertexCount) * 3,
    );
    const target = Math.max(SMALL_BATCH, Math.floor(batch.triangleCount * ratio)) * 3;
    // An error bound of 1 (the whole extent) lets the triangle target alone decide.
    const [simplified] = MeshoptSimplifier.simplifySloppy(local, positions, 3, null, target, 1);
    parts.push({ batch, indices: simplified });
  }
  return compact(scene, parts);
}

/** A scene of just `parts`' triangles and the vertices they use, renumbered. */
function compact(
  scene: RenderScene,
  parts: { batch: RenderBatch; indices: Uint32Array }[],
): RenderScene {
  const triangleCount = parts.reduce((sum, part) => sum + part.indices.length / 3, 0);
  const remap = new Int32Array(scene.vertexCount).fill(-1);
  const sourceOf = new Uint32Array(scene.vertexCount);
  const indices = new Uint32Array(triangleCount * 3);
  const triangleMaterial = new Uint32Array(triangleCount);
  const batches: RenderBatch[] = [];
  let vertexCount = 0;
  let triangle = 0;
  for (const { batch, indices: local } of parts) {
    if (local.length === 0) continue;
    const firstVertex = vertexCount;
    const firstTriangle = triangle;
    for (let i = 0; i < local.length; i++) {
      const source = local[i] + batch.firstVertex;
      let target = remap[source];
      if (target < 0) {
        target = remap[source] = vertexCount++;
        sourceOf[target] = source;
      }
      indices[triangle * 3 + (i % 3)] = target;
      if (i % 3 === 2) triangleMaterial[triangle++] = batch.material;
    }
    batches.push({
      firstTriangle,
      triangleCount: triangle - firstTriangle,
      firstVertex,
      vertexCount: vertexCount - firstVertex,
      material: batch.material,
    });
  }
  const gather = (source: Float32Array, width: number): Float32Array => {
    const out = new Float32Array(source.length === 0 ? 0 : vertexCount * width);
    if (source.length === 0) return out;
    for (let v = 0; v < vertexCount; v++) {
      const from = sourceOf[v] * width;
      for (let c = 0; c < width; c++) out[v * width + c] = source[from + c];
    }
    return out;
  };
  return {
    ...scene,
    vertexCount,
    triangleCount,
    positions: gather(scene.positions, 3),
    normals: gather(scene.normals, 3),
    colors: gather(scene.colors, 4),
    uvs: gather(scene.uvs, 2),
    indices,
    triangleMaterial,
    batches,
  };
}
