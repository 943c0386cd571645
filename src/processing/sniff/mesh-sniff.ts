import type { FileFormat } from './file-formats';

/** What the mesh sniffers look at: the head of a file and, when known, its whole size. */
export interface MeshSniffInput {
  head: Uint8Array;
  /** The file's size in bytes; a binary STL is recognised by it alone (it has no magic). */
  size?: number;
  /** Whether `head` is the whole file (text formats then judge their last line too). */
  whole: boolean;
}

/**
 * The model formats (and their companion MTL) decided from bytes. Binary formats go first, by
 * their magic numbers, and a binary STL by its size rule before anything reads its 80-byte header
 * as text (exporters often begin it with "solid"). The text formats need their own syntax in the
 * first lines, so random bytes, images and prose match none of them. Undefined: not a model.
 */
export function meshFormatByBytes(input: MeshSniffInput): FileFormat | undefined {
  const { head } = input;
  if (isGlb(head)) return 'glb';
  if (latin1(head, 0, FBX_BINARY_MAGIC.length) === FBX_BINARY_MAGIC) return 'fbx';
  if (isBinaryStl(head, input.size)) return 'stl';
  if (latin1(head, 0, 4) === 'ply\n' || latin1(head, 0, 5) === 'ply\r\n')
    return /^ply\r?\nformat[ \t]+(ascii|binary_little_endian|binary_big_endian)[ \t]/.test(
      latin1(head, 0, Math.min(head.length, 64)),
    )
      ? 'ply'
      : undefined;
  const text = textOf(head);
  if (text === undefined) return undefined;
  if (isGltfJson(text, input.whole)) return 'gltf';
  if (COLLADA_ROOT.test(text)) return 'dae';
  if (isAsciiFbx(text)) return 'fbx';
  if (isAsciiStl(text)) return 'stl';
  const lines = statementLines(text, input.whole);
  if (isObj(lines)) return 'obj';
  if (lines.length > 0 && /^newmtl(?:[ \t]|$)/.test(lines[0])) return 'mtl';
  return undefined;
}

const FBX_BINARY_MAGIC = 'Kaydara FBX Binary  \0';
const STL_HEADER_BYTES = 80;
const STL_TRIANGLE_BYTES = 50;

/** GLB: `glTF` then the container version, 2 (glTF 1.0's binary extension wrote 1). */
function isGlb(head: Uint8Array): boolean {
  return latin1(head, 0, 4) === 'glTF' && head.length >= 8 && readU32LE(head, 4) === 2;
}

/** A binary STL is an 80-byte header, a u32 triangle count, and exactly 50 bytes a triangle. */
function isBinaryStl(head: Uint8Array, size: number | undefined): boolean {
  if (size === undefined || size < STL_HEADER_BYTES + 4 || head.length < STL_HEADER_BYTES + 4)
    return false;
  const count = readU32LE(head, STL_HEADER_BYTES);
  return size === STL_HEADER_BYTES + 4 + STL_TRIANGLE_BYTES * count;
}

/**
 * The head as text, its UTF-8 byte-order mark dropped; undefined when it holds control bytes that
 * no text format has (NUL and the C0 controls but tab, line feed, form feed and carriage return).
 * Latin-1 keeps one character a byte: only ASCII syntax is looked at.
 */
function textOf(head: Uint8Array): string | undefined {
  const start = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  const text = latin1(head, start, head.length);
  // eslint-disable-next-line no-control-regex -- control bytes are exactly what is looked for
  return /[\x00-\x08\x0b\x0e-\x1f\x7f]/.test(text) ? undefined : text;
}

/** The top-level properties of a glTF (1.0 and 2.0), for files whose keys are sorted. */
const GLTF_TOP_LEVEL = new Set([
  'accessors',
  'animations',
  'asset',
  'buffers',
  'bufferViews',
  'cameras',
  'extensions',
  'extensionsRequired',
  'extensionsUsed',
  'extras',
  'images',
  'materials',
  'meshes',
  'nodes',
  'programs',
  'samplers',
  'scene',
  'scenes',
  'shaders',
  'skins',
  'techniques',
  'textures',
]);

/**
 * A JSON object whose first key is a glTF top-level property and that has an `"asset"` key. A
 * writer that sorts its keys puts `accessors` and `animations` before `asset`, so when the file
 * goes on past the head, a glTF first key is enough.
 */
function isGltfJson(text: string, whole: boolean): boolean {
  const first = /^\s*\{\s*"([A-Za-z]+)"\s*:/.exec(text);
  if (!first || !GLTF_TOP_LEVEL.has(first[1])) return false;
  return /"asset"\s*:\s*\{/.test(text) || !whole;
}

/** XML whose root element is `COLLADA`: only a declaration, comments and a DOCTYPE before it. */
const COLLADA_ROOT =
  /^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*|<!DOCTYPE[^>]*>\s*)*<COLLADA[\s>]/;

/** ASCII FBX: the `; FBX 7.x project file` comment, or `FBXHeaderExtension:` after comments only. */
function isAsciiFbx(text: string): boolean {
  if (/^\s*; FBX \d/.test(text)) return true;
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith(';')) continue;
    return /^FBXHeaderExtension:/.test(trimmed);
  }
  return false;
}

/** ASCII STL: `solid`, then a facet (or an empty solid's `endsolid`). */
function isAsciiStl(text: string): boolean {
  return /^\s*solid(?:[ \t\r\n]|$)/.test(text) && /\b(?:facet[ \t]+normal|endsolid)\b/.test(text);
}

/** How many statements, at most, the OBJ test reads: enough to judge, few enough to be cheap. */
const OBJ_LINES_CHECKED = 16;
const NUMBER = /^[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|nan|inf(?:inity)?)$/i;
const VERTEX_REFERENCE = /^-?\d+(?:\/-?\d*){0,2}$/;

/**
 * The first statements of a text, comments (`#`) and blank lines left out. A head cut inside the
 * file may end in the middle of a line; that last line is not judged.
 */
function statementLines(text: string, whole: boolean): string[] {
  const lines = text.split(/\r?\n|\r/);
  if (!whole) lines.pop();
  const statements: string[] = [];
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    statements.push(trimmed);
    if (statements.length === OBJ_LINES_CHECKED) break;
  }
  return statements;
}

/**
 * OBJ: every statement read is an OBJ statement, with numbers where numbers go (`v`, `vt`, `vn`,
 * `vp`) and only vertex references where they go (`f`, `l`, `p`), and at least one of them has
 * arguments: a file of bare keywords (`g`, `o`, an empty `f`; one random byte can be that) tells
 * nothing of a model.
 */
function isObj(statements: readonly string[]): boolean {
  // Statements are trimmed, so a blank inside one separates its keyword from an argument.
  return statements.some((line) => /[ \t]/.test(line)) && statements.every(isObjStatement);
}

function isObjStatement(line: string): boolean {
  const [keyword, ...args] = line.split(/[ \t]+/);
  switch (keyword) {
    case 'v':
    case 'vt':
    case 'vn':
    case 'vp':
      return args.length >= 1 && args.every((arg) => NUMBER.test(arg));
    case 'f':
    case 'l':
    case 'p':
      // An empty `f` is broken, but it is OBJ: the loader's error says more than a 415 would.
      return args.every((arg) => VERTEX_REFERENCE.test(arg));
    case 'o':
    case 'g':
    case 's':
    case 'mtllib':
    case 'usemtl':
      return true;
    default:
      return false;
  }
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  return bytes.length >= end
    ? Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1')
    : '';
}

function readU32LE(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset] |
      (bytes[offset + 1] << 8) |
      (bytes[offset + 2] << 16) |
      (bytes[offset + 3] << 24)) >>>
    0
  );
}
