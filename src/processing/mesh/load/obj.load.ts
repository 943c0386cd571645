import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { MeshLoadInput, MeshSource } from './mesh-source.types';
import { asParseFailure, emptyFile, unreadableFile } from './load-failure';
import { parseMtl, type MtlMaterial } from './mtl-parse';
import { objToDocument, type ObjMaterialSource } from './obj-document';
import { ObjSyntaxError, parseObj } from './obj-parse';
import { assetPath, listAssetFiles, resolveReference } from './resolve-reference';
import { TextureFiles } from './texture-files';

/** An MTL larger than this is not a material library. */
const MTL_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Reads a Wavefront OBJ with its MTL libraries and their textures (resolved inside the asset's
 * folder) into a glTF document. OBJ states no unit and no up axis: the coordinates are taken as
 * they are (Y-up, as nearly every exporter writes).
 */
export async function loadObj(input: MeshLoadInput): Promise<MeshSource> {
  const { primary, signal } = input;
  const bytes = await readFile(join(input.inputDir, primary));
  if (bytes.length === 0) throw emptyFile(primary, 'the file is empty');

  const data = await asParseFailure(primary, 'OBJ', signal, async () => {
    try {
      return await parseObj(bytes, {
        onChunk: async (fraction) => {
          input.progress(fraction * 0.9);
          await yieldToEventLoop(); // lets an abort in
          signal.throwIfAborted();
        },
      });
    } catch (error) {
      if (error instanceof ObjSyntaxError) throw unreadableFile(primary, 'OBJ', error.message);
      throw error;
    }
  });
  if (data.triangleCount === 0) throw emptyFile(primary, 'it has no faces');

  const warnings: string[] = [];
  const assets = await listAssetFiles(input.inputDir);
  const textures = new TextureFiles(assets, warnings);

  const libraries = new Map<string, { file: string; material: MtlMaterial }>();
  for (const mtllib of data.mtllibs) {
    const resolved = resolveReference(assets, primary, mtllib);
    if (!resolved.found) {
      warnings.push(`${primary}: material library "${mtllib}" ${resolved.problem}`);
      continue;
    }
    const text = await readMtl(assetPath(assets, resolved.path));
    if (text === undefined) {
      warnings.push(`${primary}: material library "${mtllib}" is not a readable MTL file`);
      continue;
    }
    for (const [name, material] of parseMtl(text)) {
      if (!libraries.has(name)) libraries.set(name, { file: resolved.path, material });
    }
  }

  const used = new Set(data.primitives.map((primitive) => primitive.material));
  const materials = new Map<string, ObjMaterialSource>();
  for (const name of used) {
    if (name === undefined) continue;
    const library = libraries.get(name);
    if (library === undefined) {
      const where = data.mtllibs.length > 0 ? data.mtllibs.join(', ') : 'no mtllib';
      warnings.push(
        `${primary}: material "${name}" is not defined (${where}); the default material is used`,
      );
      continue;
    }
    const { file, material } = library;
    const image = (reference: string | undefined) =>
      reference === undefined ? undefined : textures.fromReference(file, reference);
    materials.set(name, {
      mtl: material,
      images: {
        diffuse: await image(material.maps.diffuse),
        normal: await image(material.maps.normal ?? normalMapInBump(material.maps.bump)),
        emissive: await image(material.maps.emissive),
      },
    });
  }

  if (data.skippedFaces > 0) {
    warnings.push(`${primary}: ${data.skippedFaces} face(s) with fewer than 3 vertices skipped`);
  }
  if (data.lineOrPointCount > 0) {
    warnings.push(`${primary}: ${data.lineOrPointCount} line/point element(s) (l, p) not kept`);
  }
  const document = objToDocument(data, materials);
  input.progress(1);
  return { document, format: 'obj', warnings };
}

/**
 * Exporters (Blender among them) write a normal map as `map_Bump`; a height map there cannot be
 * used as one. The file's name tells them apart well enough.
 */
function normalMapInBump(bump: string | undefined): string | undefined {
  return bump !== undefined && /norm|nrm|_n\.[a-z]+$/i.test(bump) ? bump : undefined;
}

async function readMtl(path: string): Promise<string | undefined> {
  try {
    const bytes = await readFile(path);
    if (bytes.length > MTL_MAX_BYTES || bytes.includes(0)) return undefined;
    return bytes.toString('utf8');
  } catch {
    return undefined;
  }
}
