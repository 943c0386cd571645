import type { Document } from '@gltf-transform/core';
import { EXTMeshoptCompression, KHRDracoMeshCompression } from '@gltf-transform/extensions';
import { draco, meshopt } from '@gltf-transform/functions';
import type { MeshoptEncoder } from 'meshoptimizer';

/** How `model.web.glb` stores its geometry: `none` is plain (possibly already quantized) accessors. */
export type GeometryCompression = 'meshopt' | 'draco' | 'none';

/**
 * Forgets the geometry compression the file was read with (the data is already decoded), so the
 * document writes plain accessors unless a compression is applied again.
 */
export function removeGeometryCompression(document: Document): void {
  document.disposeExtension(EXTMeshoptCompression.EXTENSION_NAME);
  document.disposeExtension(KHRDracoMeshCompression.EXTENSION_NAME);
}

/**
 * Marks the document for `compression`, applied when it is written: meshopt reorders and
 * quantizes (KHR_mesh_quantization) at gltf-transform's `medium` level, which keeps normals and
 * animation exact enough for any viewer; Draco uses its defaults (edgebreaker, 14-bit positions).
 */
export async function compressGeometry(
  document: Document,
  compression: GeometryCompression,
  encoder: typeof MeshoptEncoder,
): Promise<void> {
  if (compression === 'meshopt') await document.transform(meshopt({ encoder, level: 'medium' }));
  else if (compression === 'draco') await document.transform(draco());
}
