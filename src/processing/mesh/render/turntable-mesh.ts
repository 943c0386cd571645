import { createRenderScene, type RenderBatch, type RenderScene } from './render-scene';

/**
 * Primitives with fewer triangles than this are kept whole: simplifying them saves little, and
 * small parts (a button, an eye) would lose their shape first.
 */
const SMALL_BATCH = 256;

/**
 * A copy of `scene` with about `maxTriangles` triangles at most, for images too small to show
 * more (a 256² turntable frame has 65 536 pixels). Vertex clustering: the bounding box is cut
 * into a grid of cubes, each primitive's vertices in one cube merge into the first of them, and
 * triangles that collapse are dropped. It ignores topology (unwelded and non-manifold meshes
 * reduce as well), keeps each kept vertex's normal, colour and texture coordinates, and costs two
 * linear passes — a tenth of what meshoptimizer's sloppy simplifier took here on 1M triangles,
 * copying in and out of its WASM heap included. The grid is refined or coarsened until the count
 * fits. Unused vertices are dropped, so each frame transforms and lights only what it draws.
 * A scene within the budget is returned as is.
 */
export function simplifyForTurntable(scene: RenderScene, maxTriangles: number): RenderScene {
  if (scene.triangleCount <= maxTriangles) return scene;
  const { min, max } = scene.bounds;
  const extent = Math.max(max[0] - min[0], max[1] - min[1], max[2] - min[2]);
  const representative = new Uint32Array(scene.vertexCount);
  // Sized for the cells a budget-sized result occupies, not for every vertex: fresh memory is
  // slow to touch here. A grid that fills it is too fine anyway, and is coarsened.
  const table = new ClusterTable(Math.min(scene.vertexCount, maxTriangles * 2));
  // A surface crossing a G³ grid touches about 3G² cubes and keeps about two triangles per cube.
  let grid = Math.max(4, Math.floor(Math.sqrt(maxTriangles / 6)));
  let kept: Uint32Array | null = null;
  for (let attempt = 0; attempt < 8; attempt++) {
    kept = null;
    const cell = grid / (extent || 1);
    let overflow = false;
    for (const batch of scene.batches) {
      const end = batch.firstVertex + batch.vertexCount;
      if (batch.triangleCount < SMALL_BATCH) {
        for (let v = batch.firstVertex; v < end; v++) representative[v] = v;
        continue;
      }
      table.clear();
      const p = scene.positions;
      for (let v = batch.firstVertex; v < end; v++) {
        const x = Math.min(grid - 1, Math.floor((p[v * 3] - min[0]) * cell));
        const y = Math.min(grid - 1, Math.floor((p[v * 3 + 1] - min[1]) * cell));
        const z = Math.min(grid - 1, Math.floor((p[v * 3 + 2] - min[2]) * cell));
        const claimed = table.claim((x * grid + y) * grid + z, v);
        if (claimed < 0) break;
        representative[v] = claimed;
      }
      if (table.full) {
        overflow = true;
        break;
      }
    }
    if (overflow && grid > 4) {
      grid = Math.max(4, Math.floor(grid / 2));
      continue;
    }
    kept = keptTriangles(scene, representative);
    const count = kept.length;
    if (count <= maxTriangles || grid <= 4) break;
    grid = Math.max(4, Math.floor(grid * Math.sqrt(maxTriangles / count) * 0.95));
  }
  return compact(scene, representative, kept ?? keptTriangles(scene, representative));
}

/** Indices of the triangles whose three corners stay apart, in order. */
function keptTriangles(scene: RenderScene, representative: Uint32Array): Uint32Array {
  const indices = scene.indices;
  const kept = new Uint32Array(scene.triangleCount);
  let count = 0;
  for (let t = 0; t < scene.triangleCount; t++) {
    const a = representative[indices[t * 3]];
    const b = representative[indices[t * 3 + 1]];
    const c = representative[indices[t * 3 + 2]];
    if (a !== b && b !== c && a !== c) kept[count++] = t;
  }
  return kept.subarray(0, count);
}

/**
 * An open-addressing hash map from a grid cell to the first vertex claimed in it, reused for
 * every primitive: a generation number instead of clearing.
 */
class ClusterTable {
  private readonly keys: Int32Array;
  private readonly values: Uint32Array;
  private readonly generations: Uint32Array;
  private readonly mask: number;
  /** Cells it takes before lookups slow down: three quarters of its slots. */
  private readonly capacity: number;
  private generation = 0;
  private used = 0;

  constructor(cells: number) {
    let size = 1024;
    while (size < cells * 2) size *= 2;
    this.keys = new Int32Array(size);
    this.values = new Uint32Array(size);
    this.generations = new Uint32Array(size);
    this.mask = size - 1;
    this.capacity = (size * 3) >> 2;
  }

  /** Whether the last claim was refused: more cells than the table holds. */
  get full(): boolean {
    return this.used >= this.capacity;
  }

  clear(): void {
    this.generation++;
    this.used = 0;
  }

  /** The vertex already standing for `cell`, else `vertex`, which now does; −1 once full. */
  claim(cell: number, vertex: number): number {
    let slot = Math.imul(cell, 0x9e3779b1) >>> 0;
    for (;;) {
      slot &= this.mask;
      if (this.generations[slot] !== this.generation) {
        if (this.used >= this.capacity) return -1;
        this.used++;
        this.generations[slot] = this.generation;
        this.keys[slot] = cell;
        this.values[slot] = vertex;
        return vertex;
      }
      if (this.keys[slot] === cell) return this.values[slot];
      slot++;
    }
  }
}

/** A scene of the kept triangles over the representatives they use, renumbered. */
function compact(scene: RenderScene, representative: Uint32Array, kept: Uint32Array): RenderScene {
  const remap = new Int32Array(scene.vertexCount).fill(-1);
  const sourceOf = new Uint32Array(scene.vertexCount);
  const indices = new Uint32Array(kept.length * 3);
  const triangleMaterial = new Uint32Array(kept.length);
  const batches: RenderBatch[] = [];
  let vertexCount = 0;
  let k = 0;
  for (const batch of scene.batches) {
    const firstVertex = vertexCount;
    const firstTriangle = k;
    const end = batch.firstTriangle + batch.triangleCount;
    for (; k < kept.length && kept[k] < end; k++) {
      const t = kept[k];
      for (let corner = 0; corner < 3; corner++) {
        const source = representative[scene.indices[t * 3 + corner]];
        let target = remap[source];
        if (target < 0) {
          target = remap[source] = vertexCount++;
          sourceOf[target] = source;
        }
        indices[k * 3 + corner] = target;
      }
      triangleMaterial[k] = batch.material;
    }
    if (k === firstTriangle) continue;
    batches.push({
      firstTriangle,
      triangleCount: k - firstTriangle,
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
  return createRenderScene({
    vertexCount,
    triangleCount: kept.length,
    positions: gather(scene.positions, 3),
    normals: gather(scene.normals, 3),
    colors: gather(scene.colors, 4),
    uvs: gather(scene.uvs, 2),
    indices,
    triangleMaterial,
    batches,
    materials: scene.materials,
    bounds: scene.bounds,
    warnings: scene.warnings,
  });
}
