import type { Accessor, Document } from '@gltf-transform/core';

/** How far from length 1 the Khronos validator lets a unit vector be (its `ACCESSOR_*_NON_UNIT`). */
const UNIT_TOLERANCE = 0.0005;

/**
 * Makes the vectors glTF requires to be unit length so: normals, tangents (whose `w` must also
 * be ±1) and animated rotations (quaternions). Exporters often write them a little off (a normal
 * of length 0.98 after a bake), which three.js draws anyway but the validator calls an error:
 * such a file is read and written right rather than refused. A zero-length vector (no direction
 * to keep) becomes +Z for a normal or tangent and the identity rotation for a quaternion.
 *
 * @returns how many accessors it changed.
 */
export function repairUnitVectors(document: Document): number {
  const root = document.getRoot();
  const fixed = new Set<Accessor>();
  for (const mesh of root.listMeshes()) {
    for (const primitive of mesh.listPrimitives()) {
      const normal = primitive.getAttribute('NORMAL');
      if (normal && normalize(normal, 3, [0, 0, 1])) fixed.add(normal);
      const tangent = primitive.getAttribute('TANGENT');
      if (tangent && normalize(tangent, 3, [1, 0, 0, 1], true)) fixed.add(tangent);
    }
  }
  for (const animation of root.listAnimations()) {
    for (const channel of animation.listChannels()) {
      const output = channel.getSampler()?.getOutput();
      if (channel.getTargetPath() === 'rotation' && output && !fixed.has(output)) {
        if (normalize(output, 4, [0, 0, 0, 1])) fixed.add(output);
      }
    }
  }
  return fixed.size;
}

/**
 * Scales the first `length` components of each element to length 1 (and a tangent's `w` to ±1);
 * leaves the accessor untouched, and answers false, when every element already is.
 */
function normalize(
  accessor: Accessor,
  length: 3 | 4,
  fallback: readonly number[],
  signedW = false,
): boolean {
  const count = accessor.getCount();
  const element: number[] = [];
  let changed = false;
  for (let index = 0; index < count; index++) {
    accessor.getElement(index, element);
    let sum = 0;
    for (let k = 0; k < length; k++) sum += element[k] * element[k];
    const norm = Math.sqrt(sum);
    const badW = signedW && Math.abs(element[3]) !== 1;
    if (Math.abs(norm - 1) <= UNIT_TOLERANCE && !badW) continue;
    if (norm === 0 || !Number.isFinite(norm)) {
      for (let k = 0; k < fallback.length; k++) element[k] = fallback[k];
    } else {
      for (let k = 0; k < length; k++) element[k] /= norm;
    }
    if (signedW) element[3] = element[3] < 0 ? -1 : 1;
    accessor.setElement(index, element);
    changed = true;
  }
  return changed;
}
