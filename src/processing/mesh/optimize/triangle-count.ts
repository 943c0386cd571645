import { Primitive, type Document, type Mesh } from '@gltf-transform/core';

/**
 * Triangles the document's scenes draw: a mesh counts once for every node that draws it, as a
 * viewer (three's GLTFLoader) sees it, so merging identical meshes (dedup) changes nothing.
 * Indexed or not; strips and fans count the triangles they draw; points and lines count none.
 */
export function countTriangles(document: Document): number {
  let triangles = 0;
  for (const scene of document.getRoot().listScenes()) {
    scene.traverse((node) => {
      const mesh = node.getMesh();
      if (mesh) triangles += meshTriangles(mesh);
    });
  }
  return triangles;
}

function meshTriangles(mesh: Mesh): number {
  let triangles = 0;
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
  return triangles;
}
