import type { Vec3 } from '../mesh/render/camera';
import {
  createRenderScene,
  WRAP_CLAMP,
  WRAP_REPEAT,
  type RenderScene,
} from '../mesh/render/render-scene';
import type { RenderTexture } from '../mesh/render/render-texture';

/**
 * The unit sphere's point, normal, tangent (+u) and bitangent (OpenGL +Y of a normal map: up the
 * image, −v) at texture coordinates (u, v), v = 0 at the north pole (glTF's origin is the image's
 * top-left). u = 0.5 faces +Z, the camera's front, and u grows to the right seen from there.
 */
export function spherePoint(
  u: number,
  v: number,
): { normal: Vec3; tangent: Vec3; bitangent: Vec3 } {
  const theta = 2 * Math.PI * (u - 0.5);
  const phi = Math.PI * v;
  const [st, ct, sp, cp] = [Math.sin(theta), Math.cos(theta), Math.sin(phi), Math.cos(phi)];
  return {
    normal: [sp * st, cp, sp * ct],
    tangent: [ct, 0, -st],
    bitangent: [-cp * st, sp, -cp * ct],
  };
}

/**
 * A UV sphere of radius 1 for the rasterizer: `segments` around, `rings` from pole to pole, the
 * seam's vertices doubled so u runs 0-1, triangles counter-clockwise seen from outside.
 */
export function buildSphereScene(
  texture: RenderTexture | null,
  segments = 96,
  rings = 48,
): RenderScene {
  const vertexCount = (segments + 1) * (rings + 1);
  const positions = new Float32Array(vertexCount * 3);
  const uvs = new Float32Array(vertexCount * 2);
  for (let ring = 0, vertex = 0; ring <= rings; ring++) {
    for (let segment = 0; segment <= segments; segment++, vertex++) {
      const u = segment / segments;
      const v = ring / rings;
      positions.set(spherePoint(u, v).normal, vertex * 3);
      uvs[vertex * 2] = u;
      uvs[vertex * 2 + 1] = v;
    }
  }
  const triangles: number[] = [];
  for (let ring = 0; ring < rings; ring++) {
    for (let segment = 0; segment < segments; segment++) {
      const a = ring * (segments + 1) + segment; // upper left
      const b = a + segments + 1; // lower left
      // Seen from outside, u grows to the right and v downwards: a, b, b+1 is counter-clockwise.
      if (ring > 0) triangles.push(a, b, a + 1);
      if (ring < rings - 1) triangles.push(a + 1, b, b + 1);
    }
  }
  const indices = Uint32Array.from(triangles);
  return createRenderScene({
    vertexCount,
    triangleCount: indices.length / 3,
    positions,
    normals: positions.slice(), // a unit sphere's normal is its position
    colors: new Float32Array(0),
    uvs,
    indices,
    triangleMaterial: new Uint32Array(0),
    batches: [
      {
        firstTriangle: 0,
        triangleCount: indices.length / 3,
        firstVertex: 0,
        vertexCount,
        material: 0,
      },
    ],
    materials: [
      {
        texture,
        wrapS: WRAP_REPEAT,
        wrapT: WRAP_CLAMP,
        alphaCutoff: 0,
        doubleSided: false,
        unlit: false,
        baseColor: texture ? [1, 1, 1, 1] : [0.8, 0.8, 0.8, 1],
      },
    ],
    bounds: { min: [-1, -1, -1], max: [1, 1, 1] },
    warnings: [],
  });
}
