import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BufferGeometry } from 'three';
import { requireEsm } from '../../esm-require';
import { asParseFailure, emptyFile, unreadableFile } from './load-failure';
import type { MeshLoadInput, MeshSource } from './mesh-source.types';
import { threeModule, withQuietConsole } from './node-shims';
import { countTriangles, threeToDocument } from './three-to-document';

type StlLoaderModule = typeof import('three/examples/jsm/loaders/STLLoader.js');

const BINARY_HEADER_BYTES = 84;
const BINARY_TRIANGLE_BYTES = 50;

/**
 * Reads an STL, binary or ASCII, with three's STLLoader. Binary is recognised by its size
 * (84 + 50 × the triangle count it states), so a binary file whose 80-byte header happens to start
 * with "solid" still reads as binary; anything else must be ASCII and end with `endsolid`. STL
 * states no unit and no up axis; coordinates are kept as they are. Per-face colours (the
 * "COLOR=" convention) become vertex colours.
 */
export async function loadStl(input: MeshLoadInput): Promise<MeshSource> {
  const { primary, signal } = input;
  const bytes = await readFile(join(input.inputDir, primary));
  if (bytes.length === 0) throw emptyFile(primary, 'the file is empty');
  const binary = isBinaryStl(bytes);
  if (!binary) checkAscii(bytes, primary);

  const warnings: string[] = [];
  const document = await asParseFailure(primary, 'STL', signal, async () => {
    const { STLLoader } = requireEsm<StlLoaderModule>('three/examples/jsm/loaders/STLLoader.js');
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const geometry = withQuietConsole(() => new STLLoader().parse(buffer));
    input.progress(0.6);
    const three = threeModule();
    const hasColors = (geometry as BufferGeometry & { hasColors?: boolean }).hasColors === true;
    const mesh = new three.Mesh(
      geometry,
      new three.MeshStandardMaterial({ vertexColors: hasColors, metalness: 0, roughness: 1 }),
    );
    const root = new three.Group();
    root.add(mesh);
    return threeToDocument(
      { root, animations: [] },
      { image: () => Promise.resolve(undefined), warnings },
    );
  });
  if (countTriangles(document) === 0) throw emptyFile(primary);
  input.progress(1);
  return {
    document,
    format: 'stl',
    formatVersion: binary ? 'STL binary' : 'STL ASCII',
    warnings,
  };
}

/** A binary STL's size is exactly its header, count and 50 bytes a triangle. */
function isBinaryStl(bytes: Buffer): boolean {
  if (bytes.length < BINARY_HEADER_BYTES) return false;
  const count = bytes.readUInt32LE(80);
  return bytes.length === BINARY_HEADER_BYTES + BINARY_TRIANGLE_BYTES * count;
}

/** Not binary: it must be ASCII STL, whole (`solid` … `endsolid`), or it is truncated or not STL. */
function checkAscii(bytes: Buffer, primary: string): void {
  const head = bytes.subarray(0, 512).toString('latin1').trimStart();
  if (!/^solid\b/i.test(head)) {
    if (bytes.length >= BINARY_HEADER_BYTES) {
      const count = bytes.readUInt32LE(80);
      const expected = BINARY_HEADER_BYTES + BINARY_TRIANGLE_BYTES * count;
      throw unreadableFile(
        primary,
        'STL',
        `as binary STL it states ${count} triangles, which take ${expected} bytes, but it has ${bytes.length} (truncated, or not STL)`,
      );
    }
    throw unreadableFile(
      primary,
      'STL',
      `it is ${bytes.length} bytes, shorter than a binary STL header`,
    );
  }
  if (bytes.includes(0)) {
    throw unreadableFile(
      primary,
      'STL',
      'it starts like ASCII STL ("solid") but holds binary data',
    );
  }
  const tail = bytes.subarray(Math.max(0, bytes.length - 1024)).toString('latin1');
  if (!/endsolid[^\n]*\s*$/i.test(tail)) {
    throw unreadableFile(primary, 'STL', 'the ASCII STL ends before "endsolid" (truncated)');
  }
}
