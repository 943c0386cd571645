import { primaryPath } from '../../step-folder';
import { formatByExtension } from '../../sniff/file-formats';
import { readSniffInput, sniffFile } from '../../sniff/file-sniff';
import { meshUnsupported } from '../mesh-errors';
import { loadDae } from './dae.load';
import { loadFbx } from './fbx.load';
import { loadGltf } from './gltf.load';
import {
  MESH_FORMATS,
  type MeshFormat,
  type MeshLoadInput,
  type MeshSource,
} from './mesh-source.types';
import { loadObj } from './obj.load';
import { loadPly } from './ply.load';
import { loadStl } from './stl.load';

/** The loader of each model format. */
export const MESH_LOADERS: Readonly<
  Record<MeshFormat, (input: MeshLoadInput) => Promise<MeshSource>>
> = {
  gltf: loadGltf,
  glb: loadGltf,
  obj: loadObj,
  fbx: loadFbx,
  dae: loadDae,
  stl: loadStl,
  ply: loadPly,
};

/**
 * Reads the asset's primary model file with the loader of its format: the format its bytes show
 * (`sniffFile`), else the one its extension names. A file that is neither is `MESH_UNSUPPORTED`.
 */
export async function loadMesh(input: Omit<MeshLoadInput, 'format'>): Promise<MeshSource> {
  const format = await meshFormatOf(input);
  return MESH_LOADERS[format]({ ...input, format });
}

/** The model format of the primary file: by its bytes where they tell, else by its extension. */
export async function meshFormatOf(
  input: Pick<MeshLoadInput, 'inputDir' | 'primary'>,
): Promise<MeshFormat> {
  const sniffed = sniffFile(await readSniffInput(primaryPath(input), input.primary))?.format;
  const format = isMeshFormat(sniffed) ? sniffed : formatByExtension(input.primary);
  if (isMeshFormat(format)) return format;
  throw meshUnsupported(
    `${input.primary} is not a model format Kiln reads (glTF/GLB, OBJ, FBX, COLLADA, STL or PLY).`,
  );
}

function isMeshFormat(format: string | undefined): format is MeshFormat {
  return (MESH_FORMATS as readonly (string | undefined)[]).includes(format);
}
