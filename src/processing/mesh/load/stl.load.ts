import { ProcessingError } from '../../processing.error';
import type { MeshLoadInput, MeshSource } from './mesh-source.types';

/** Placeholder until the meshthree branch is merged (replaced at merge). */
export function loadStl(input: MeshLoadInput): Promise<MeshSource> {
  return Promise.reject(
    new ProcessingError(
      'MESH_UNSUPPORTED',
      `Reading Stl files is not available yet (${input.primary}).`,
    ),
  );
}
