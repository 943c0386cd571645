import type { Document } from '@gltf-transform/core';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { MeshFormat, MeshLoadInput } from '../../src/processing/mesh/load/mesh-source.types';

/** A loader's input for a file: its folder is the asset's folder, as an upload of that folder. */
export function meshLoadInput(path: string, format: MeshFormat): MeshLoadInput {
  return {
    inputDir: dirname(path),
    primary: basename(path),
    format,
    signal: new AbortController().signal,
    progress: () => undefined,
  };
}

const folders: string[] = [];

/** A fresh temporary folder, removed by `removeTemporaryFolders` (call it in `afterAll`). */
export async function temporaryFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-mesh-'));
  folders.push(dir);
  return dir;
}

/** Removes every folder `temporaryFolder` and `meshLoadInputOf` made. */
export async function removeTemporaryFolders(): Promise<void> {
  await Promise.all(folders.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** Writes `bytes` alone into a fresh temporary folder and returns its loader input. */
export async function meshLoadInputOf(
  bytes: Uint8Array | string,
  name: string,
  format: MeshFormat,
): Promise<MeshLoadInput> {
  const dir = await temporaryFolder();
  await writeFile(join(dir, name), bytes);
  return meshLoadInput(join(dir, name), format);
}

/** Triangles of every primitive of every mesh (each mesh counted once, as glTF stores it). */
export function triangleCount(document: Document): number {
  let triangles = 0;
  for (const mesh of document.getRoot().listMeshes()) {
    for (const primitive of mesh.listPrimitives()) {
      const indices = primitive.getIndices();
      const count = indices?.getCount() ?? primitive.getAttribute('POSITION')?.getCount() ?? 0;
      triangles += Math.floor(count / 3);
    }
  }
  return triangles;
}

/** Reproducible "random" bytes (mulberry32), so a failure can be replayed. */
export function seededBytes(seed: number, length: number): Uint8Array {
  let state = seed >>> 0;
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    bytes[i] = (t ^ (t >>> 14)) & 0xff;
  }
  return bytes;
}
