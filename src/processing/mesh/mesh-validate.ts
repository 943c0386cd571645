import type { Document } from '@gltf-transform/core';
import { validateBytes, type ValidationMessage } from 'gltf-validator';
import { meshEmpty, meshInvalid } from './mesh-errors';
import { isFiniteBounds, primitiveTriangles, worldBounds } from './mesh-geometry';

/** What the Khronos validator is asked to do on one file. */
export interface GltfValidatorInput {
  format: 'glb' | 'gltf';
  /** The bytes of an external buffer or image by its `uri` as written; absent, externals are not loaded. */
  resource?: (uri: string) => Uint8Array | undefined;
}

/**
 * Reports past this many are dropped by the validator itself. Errors come among warnings and
 * infos in file order, so the cap is generous; a report is a few hundred bytes per issue.
 */
const MAX_ISSUES = 500;

/**
 * Runs the Khronos glTF validator and returns its messages (all severities). Rejects with the
 * validator's own sentence when the bytes are neither glTF JSON nor GLB.
 */
export async function runGltfValidator(
  bytes: Uint8Array,
  { format, resource }: GltfValidatorInput,
): Promise<ValidationMessage[]> {
  const report = await validateBytes(bytes, {
    format,
    maxIssues: MAX_ISSUES,
    writeTimestamp: false,
    ...(resource
      ? {
          externalResourceFunction: (uri: string) => {
            const data = resource(uri);
            return data
              ? Promise.resolve(data)
              : Promise.reject(new Error(`${uri} is not available`));
          },
        }
      : {}),
  });
  return report.issues.messages;
}

/** The validator's errors (severity 0), as `CODE at /pointer: message`, the first `max` of them. */
export function describeValidatorErrors(messages: readonly ValidationMessage[], max = 3): string {
  const errors = messages.filter((message) => message.severity === 0);
  const shown = errors.slice(0, max).map((message) => {
    const where = message.pointer ?? (message.offset !== undefined ? `byte ${message.offset}` : '');
    return `${message.code}${where ? ` at ${where}` : ''}: ${message.message}`;
  });
  const more = errors.length > max ? `; and ${errors.length - max} more` : '';
  return `${shown.join('; ')}${more}`;
}

/**
 * Checks a GLB Kiln made before it counts as a result: at least one triangle and a finite
 * bounding box (else `MESH_EMPTY`: loaders often "succeed" on garbage with nothing in it), and no
 * error from the Khronos validator (else `MESH_INVALID`, naming the first errors). The GLB holds
 * everything, so the validator loads nothing from outside it.
 *
 * @param name the file's name for messages (`model.glb`).
 */
export async function validateModel(
  glb: Uint8Array,
  document: Document,
  name = 'model.glb',
): Promise<void> {
  const triangles = document
    .getRoot()
    .listMeshes()
    .flatMap((mesh) => mesh.listPrimitives())
    .reduce((sum, primitive) => sum + primitiveTriangles(primitive), 0);
  if (triangles === 0) {
    throw meshEmpty(
      `The model has no triangles (only points or lines, or nothing at all), so ${name} would show nothing. Check that the file holds the mesh and was exported with its faces.`,
    );
  }
  const bounds = worldBounds(document);
  if (!bounds) {
    throw meshEmpty(
      `No node of the model's scene places a mesh, so ${name} would show nothing. Check that the meshes are in the exported scene.`,
    );
  }
  if (!isFiniteBounds(bounds)) {
    throw meshEmpty(
      `The model's vertex positions include NaN or infinite numbers, so it has no bounding box. Re-export it from its source.`,
    );
  }
  const messages = await runGltfValidator(glb, { format: 'glb' });
  if (messages.some((message) => message.severity === 0)) {
    throw meshInvalid(
      `The ${name} Kiln wrote failed the Khronos glTF validator (a bug in Kiln; please report it with the file): ${describeValidatorErrors(messages)}.`,
    );
  }
}
