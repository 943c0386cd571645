import { Primitive, type Document } from '@gltf-transform/core';

/**
 * Triangles the document's meshes hold (each mesh once, however many nodes use it): indexed or
 * not, strips and fans counted as the triangles they draw; points and lines count none.
 */
export function countTriangles(document: Document): number {
  let triangles = 0;
  for (const mesh of document.getRoot().listMeshes()) {
    for (const primitive of mesh.listPrimitives()) {
      const vertices =
        primitive.getIndices()?.getCount() ?? primitive.getAttribute('POSITION')?.getCount() ?? 0;
      switch (primitive.getMode()) {
        case Primitive.Mode.TRIANGLES:
          triangles += Math.floor(vertices / 3);
          break;
        case Primitive.Mode.TRIANGLE_STRIP:
        case Primitive.Mode.TRIANGLE_FAN:
          triangles += Math.max(0, vertices - 2);
          break;
      }
    }
  }
  return triangles;
}
