import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BufferGeometry } from 'three';
import { requireEsm } from '../../esm-require';
import { asParseFailure, emptyFile, unreadableFile } from './load-failure';
import type { MeshLoadInput, MeshSource } from './mesh-source.types';
import { threeModule, withQuietConsole } from './node-shims';
import { countTriangles, threeToDocument } from './three-to-document';

type PlyLoaderModule = typeof import('three/examples/jsm/loaders/PLYLoader.js');

/** Larger headers are not PLY headers (they list elements and properties, a line each). */
const HEADER_MAX_BYTES = 64 * 1024;

/**
 * Reads a PLY (ASCII, binary little- or big-endian) with three's PLYLoader: faces (polygons fanned
 * into triangles), normals, UVs and vertex colours. The header is checked first and the body's size
 * against it (binary), so a truncated or lying file fails instead of reading past its end. A PLY
 * of points only (no faces) is `MESH_EMPTY`.
 */
export async function loadPly(input: MeshLoadInput): Promise<MeshSource> {
  const { primary, signal } = input;
  const bytes = await readFile(join(input.inputDir, primary));
  if (bytes.length === 0) throw emptyFile(primary, 'the file is empty');
  const header = readPlyHeader(bytes, primary);

  const warnings: string[] = [];
  const document = await asParseFailure(primary, 'PLY', signal, async () => {
    const { PLYLoader } = requireEsm<PlyLoaderModule>('three/examples/jsm/loaders/PLYLoader.js');
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const geometry = withQuietConsole<BufferGeometry>(() => new PLYLoader().parse(buffer));
    checkGeometry(geometry, header, primary);
    input.progress(0.6);
    const three = threeModule();
    const mesh = new three.Mesh(
      geometry,
      new three.MeshStandardMaterial({
        vertexColors: geometry.getAttribute('color') !== undefined,
        metalness: 0,
        roughness: 1,
      }),
    );
    const root = new three.Group();
    root.add(mesh);
    return threeToDocument(
      { root, animations: [] },
      { image: () => Promise.resolve(undefined), warnings },
    );
  });
  if (countTriangles(document) === 0) throw emptyFile(primary, 'it has no faces');
  input.progress(1);
  return {
    document,
    format: 'ply',
    formatVersion: `PLY ${header.version} ${header.format}`,
    warnings,
  };
}

interface PlyHeader {
  format: 'ascii' | 'binary_little_endian' | 'binary_big_endian';
  version: string;
  vertices: number;
  faces: number;
}

function readPlyHeader(bytes: Buffer, primary: string): PlyHeader {
  const fail = (problem: string) => unreadableFile(primary, 'PLY', problem);
  if (bytes.subarray(0, 3).toString('latin1') !== 'ply') throw fail('it does not start with "ply"');
  const head = bytes.subarray(0, HEADER_MAX_BYTES).toString('latin1');
  const end = /end_header\r?\n/.exec(head);
  if (end === null) throw fail('its header has no "end_header"');
  const lines = head
    .slice(0, end.index)
    .split(/\r?\n/)
    .map((line) => line.trim());
  const formatLine = lines.find((line) => line.startsWith('format '));
  const format = /^format (ascii|binary_little_endian|binary_big_endian) (\S+)$/.exec(
    formatLine ?? '',
  );
  if (format === null)
    throw fail(`its header's format line is missing or unknown (${formatLine ?? 'none'})`);
  const count = (element: string): number => {
    const line = lines.find((l) => l.startsWith(`element ${element} `));
    if (line === undefined) return 0;
    const value = Number(line.split(/\s+/)[2]);
    if (!Number.isSafeInteger(value) || value < 0)
      throw fail(`its ${element} count is not a number`);
    return value;
  };
  for (const line of lines) {
    if (!/^(ply|format|comment|obj_info|element|property|end_header)\b/.test(line) && line !== '') {
      throw fail(`its header has an unknown line "${line.slice(0, 60)}"`);
    }
  }
  const parsed: PlyHeader = {
    format: format[1] as PlyHeader['format'],
    version: format[2],
    vertices: count('vertex'),
    faces: count('face'),
  };
  checkBodySize(bytes.subarray(end.index + end[0].length), lines, parsed.format, fail);
  return parsed;
}

const SCALAR_BYTES: Readonly<Record<string, number>> = {
  char: 1,
  int8: 1,
  uchar: 1,
  uint8: 1,
  short: 2,
  int16: 2,
  ushort: 2,
  uint16: 2,
  int: 4,
  int32: 4,
  uint: 4,
  uint32: 4,
  float: 4,
  float32: 4,
  double: 8,
  float64: 8,
};

/**
 * The body must be able to hold what the header promises, checked before PLYLoader runs: its
 * loops run once per promised element, so a header promising billions of elements (of no
 * properties, or over a short body) would keep it busy or read past the end. Binary: the least
 * bytes each element can take (lists empty). ASCII: a line per element.
 */
function checkBodySize(
  body: Buffer,
  lines: string[],
  format: PlyHeader['format'],
  fail: (problem: string) => Error,
): void {
  const elements: { name: string; count: number; bytes: number }[] = [];
  for (const line of lines) {
    const words = line.split(/\s+/);
    if (words[0] === 'element') {
      elements.push({ name: words[1] ?? '', count: Number(words[2]), bytes: 0 });
    } else if (words[0] === 'property' && elements.length > 0) {
      const type = words[1] === 'list' ? words[2] : words[1];
      const size = SCALAR_BYTES[type ?? ''];
      if (size === undefined) throw fail(`its header names an unknown property type "${type}"`);
      elements[elements.length - 1].bytes += size;
    }
  }
  let least = 0;
  for (const element of elements) {
    if (!Number.isSafeInteger(element.count) || element.count < 0) {
      throw fail(`its ${element.name} count is not a number`);
    }
    if (element.count > 0 && element.bytes === 0) {
      throw fail(`its element "${element.name}" has no properties`);
    }
    least += format === 'ascii' ? element.count : element.count * element.bytes;
  }
  let held = body.length;
  if (format === 'ascii') {
    held = 0;
    for (let at = body.indexOf(10); at >= 0; at = body.indexOf(10, at + 1)) held++;
    if (body.length > 0 && body[body.length - 1] !== 10) held++;
  }
  if (held < least) {
    throw fail(
      format === 'ascii'
        ? `the header promises ${least} element lines, the body has ${held} (truncated)`
        : `the header promises at least ${least} bytes of elements, the body has ${held} (truncated)`,
    );
  }
}

/** PLYLoader reads past a short body as zeros or NaN: the counts must match the header's. */
function checkGeometry(geometry: BufferGeometry, header: PlyHeader, primary: string): void {
  const position = geometry.getAttribute('position');
  const read = position?.count ?? 0;
  if (read < header.vertices) {
    throw unreadableFile(
      primary,
      'PLY',
      `the header states ${header.vertices} vertices, the body holds ${read} (truncated)`,
    );
  }
  const array = position.array as ArrayLike<number>;
  for (let i = 0; i < array.length; i++) {
    if (!Number.isFinite(array[i])) {
      throw unreadableFile(
        primary,
        'PLY',
        'a vertex position is not a finite number (truncated or corrupt)',
      );
    }
  }
  const index = geometry.getIndex();
  const triangles = index !== null ? index.count / 3 : 0;
  if (triangles < header.faces) {
    throw unreadableFile(
      primary,
      'PLY',
      `the header states ${header.faces} faces, the body holds ${triangles} triangles (truncated)`,
    );
  }
  if (index !== null) {
    for (let i = 0; i < index.count; i++) {
      const v = index.getX(i);
      if (!(v >= 0 && v < read)) {
        throw unreadableFile(
          primary,
          'PLY',
          `a face names vertex ${v}, out of range (${read} vertices)`,
        );
      }
    }
  }
}
