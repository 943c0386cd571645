import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { requireEsm } from '../../esm-require';
import { asParseFailure, emptyFile, unreadableFile, unsupportedFile } from './load-failure';
import type { MeshLoadInput, MeshSource } from './mesh-source.types';
import { recordingLoadingManager, revokeObjectUrls, withObjectUrlsRecorded } from './node-shims';
import { listAssetFiles } from './resolve-reference';
import { countTriangles, threeToDocument } from './three-to-document';
import { recordedTextureImage, TextureFiles } from './texture-files';
import { readFbxHeader } from './fbx-header';
import { repairBinaryFbxLayers } from './fbx-repair';

type FbxLoaderModule = typeof import('three/examples/jsm/loaders/FBXLoader.js');

/**
 * Reads an FBX 7.x file (binary or ASCII) with three's FBXLoader: meshes, materials, skins,
 * morph targets and animations. Textures embedded in the file are taken from it; referenced ones
 * are resolved by us inside the asset's folder (FBX names absolute paths of the artist's disk, so
 * the base-name fallback is what usually finds them). FBXLoader turns a Z-up file Y-up itself;
 * the unit (`UnitScaleFactor`, centimetres per unit) it leaves, so we scale the root to metres.
 */
export async function loadFbx(input: MeshLoadInput): Promise<MeshSource> {
  const { primary, signal } = input;
  const bytes = await readFile(join(input.inputDir, primary));
  if (bytes.length === 0) throw emptyFile(primary, 'the file is empty');
  const header = readFbxHeader(bytes);
  if (header === undefined) {
    throw unreadableFile(
      primary,
      'FBX',
      'it is neither binary FBX ("Kaydara FBX Binary") nor ASCII FBX',
    );
  }
  if (header.version < 7000) {
    const major = Math.floor(header.version / 1000);
    const minor = Math.floor((header.version % 1000) / 100);
    throw unsupportedFile(
      primary,
      `FBX ${major}.${minor} files are not read; re-export as FBX 2013 or later (7.x)`,
    );
  }

  const warnings: string[] = [];
  const repaired = header.binary
    ? repairBinaryFbxLayers(bytes, header.version)
    : { bytes, dropped: [] };
  for (const layer of repaired.dropped) {
    warnings.push(`${primary}: ${layer} layers that lack their data or index were dropped`);
  }
  const textures = new TextureFiles(await listAssetFiles(input.inputDir), warnings);
  let objectUrls: string[] = [];
  try {
    const document = await asParseFailure(primary, 'FBX', signal, async () => {
      const { FBXLoader } = requireEsm<FbxLoaderModule>('three/examples/jsm/loaders/FBXLoader.js');
      const source = repaired.bytes;
      const buffer = source.buffer.slice(source.byteOffset, source.byteOffset + source.byteLength);
      const parsed = withObjectUrlsRecorded(() =>
        new FBXLoader(recordingLoadingManager()).parse(buffer as ArrayBuffer, ''),
      );
      objectUrls = parsed.objectUrls;
      const root = parsed.result;
      input.progress(0.6);
      // three rotated a Z-up file already (root.rotation); an X-up one it leaves.
      if (header.upAxis === 'X') root.rotation.set(0, 0, Math.PI / 2);
      root.scale.multiplyScalar(header.unitMetres);
      return threeToDocument(
        { root, animations: root.animations },
        { image: recordedTextureImage(textures, primary), warnings },
      );
    });
    if (countTriangles(document) === 0) throw emptyFile(primary);
    input.progress(1);
    return {
      document,
      format: 'fbx',
      formatVersion: `FBX ${header.version} (${header.binary ? 'binary' : 'ASCII'})`,
      sourceUpAxis: header.upAxis,
      sourceUnitMetres: header.unitMetres,
      warnings,
    };
  } finally {
    revokeObjectUrls(objectUrls);
  }
}
