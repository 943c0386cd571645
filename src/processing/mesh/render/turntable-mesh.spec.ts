import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDenseSphereGlb } from '../../../../test/support/dense-sphere-glb';
import { meshIO } from '../mesh-io';
import { buildRenderScene, createRenderScene, type RenderScene } from './render-scene';
import { simplifyForTurntable } from './turntable-mesh';

describe('simplifyForTurntable', () => {
  let scene: RenderScene;

  beforeAll(async () => {
    const folder = await mkdtemp(join(tmpdir(), 'kiln-turntable-'));
    try {
      const path = join(folder, 'sphere.glb');
      expect(await writeDenseSphereGlb(path, 20_000)).toBe(20_000);
      const document = await (await meshIO()).readBinary(await readFile(path));
      scene = await buildRenderScene(document, 'sphere.glb');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('returns a scene within the budget as it is', () => {
    expect(simplifyForTurntable(scene, 20_000)).toBe(scene);
  });

  it('cuts a 20 000-triangle sphere to at most 5 000 triangles, keeping its shape, material and texture coordinates', () => {
    const simplified = simplifyForTurntable(scene, 5_000);

    expect(simplified.triangleCount).toBeLessThanOrEqual(5_000);
    expect(simplified.triangleCount).toBeGreaterThan(2_000);
    expect(simplified.indices).toHaveLength(simplified.triangleCount * 3);
    expect(Math.max(...simplified.indices)).toBe(simplified.vertexCount - 1); // no unused vertex
    expect(simplified.vertexCount).toBeLessThan(scene.vertexCount / 2);
    expect(simplified.uvs).toHaveLength(simplified.vertexCount * 2);
    expect(simplified.materials).toBe(scene.materials);
    expect(simplified.batches).toEqual([
      {
        firstTriangle: 0,
        triangleCount: simplified.triangleCount,
        firstVertex: 0,
        vertexCount: simplified.vertexCount,
        material: 0,
      },
    ]);
    // Its vertices are vertices of the sphere: radius 1 ± the 4% bumps.
    const radii = Array.from({ length: simplified.vertexCount }, (_, v) =>
      Math.hypot(...simplified.positions.subarray(v * 3, v * 3 + 3)),
    );
    expect(Math.min(...radii)).toBeGreaterThan(0.95);
    expect(Math.max(...radii)).toBeLessThan(1.05);
  });

  it('also cuts a triangle soup filling a volume (no surface to follow) to the budget', () => {
    // 30 000 small triangles scattered through a unit cube, by a fixed pseudo-random sequence.
    let seed = 1;
    const random = () => ((seed = Math.imul(seed, 48271) % 0x7fffffff) & 0xffffff) / 0x1000000;
    const triangles = 30_000;
    const positions = new Float32Array(triangles * 9);
    for (let t = 0; t < triangles; t++) {
      const [x, y, z] = [random(), random(), random()];
      for (let c = 0; c < 3; c++)
        positions.set([x + random() * 0.01, y + random() * 0.01, z], t * 9 + c * 3);
    }
    const soup = createRenderScene({
      ...scene,
      vertexCount: triangles * 3,
      triangleCount: triangles,
      positions,
      normals: new Float32Array(triangles * 9),
      colors: new Float32Array(0),
      uvs: new Float32Array(0),
      indices: Uint32Array.from({ length: triangles * 3 }, (_, i) => i),
      triangleMaterial: new Uint32Array(0),
      batches: [
        {
          firstTriangle: 0,
          triangleCount: triangles,
          firstVertex: 0,
          vertexCount: triangles * 3,
          material: 0,
        },
      ],
      bounds: { min: [0, 0, 0], max: [1.01, 1.01, 1] },
    });
    const simplified = simplifyForTurntable(soup, 3_000);
    expect(simplified.triangleCount).toBeLessThanOrEqual(3_000);
    expect(simplified.triangleCount).toBeGreaterThan(0);
    expect(Math.max(...simplified.indices)).toBe(simplified.vertexCount - 1);
  });
});
