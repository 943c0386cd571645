/**
 * A streaming Wavefront OBJ reader over the file's bytes. three's OBJLoader splits the text into
 * line strings and grows plain arrays: a 1M-triangle file takes ~9 s and 1.3 GB there. This one
 * parses numbers straight from the bytes into growing typed arrays and builds indexed vertices as
 * it goes, so memory is the file plus a few bytes a vertex.
 */

/** A run of faces sharing an object (`o`/`g`) and a material (`usemtl`): one glTF primitive. */
export interface ObjPrimitive {
  object: number;
  /** The `usemtl` name, or undefined before any `usemtl`. */
  material: string | undefined;
  /** Distinct (v, vt, vn) corners of this primitive. */
  vertexCount: number;
  /** Three per triangle, into this primitive's own vertices. */
  indices: Uint32Array;
  /** Whether any corner named a `vt` / a `vn`. */
  hasUv: boolean;
  hasNormal: boolean;
}

/** What an OBJ holds, with its corners already made into indexed vertices. */
export interface ObjData {
  /** Three per `v`; colours three per `v` when any `v` had them (others white). */
  positions: Float32Array;
  colors: Float32Array | undefined;
  uvs: Float32Array;
  normals: Float32Array;
  /** Per distinct vertex (all primitives together): its v, vt, vn (-1: none), primitive and index in it. */
  vertex: {
    v: Int32Array;
    vt: Int32Array;
    vn: Int32Array;
    primitive: Int32Array;
    local: Int32Array;
  };
  vertexCount: number;
  objects: string[];
  primitives: ObjPrimitive[];
  mtllibs: string[];
  triangleCount: number;
  /** Faces with fewer than three corners, skipped. */
  skippedFaces: number;
  /** `l` and `p` statements, which carry no surface. */
  lineOrPointCount: number;
}

/** A problem in the file at a line: the loader names the file. */
export class ObjSyntaxError extends Error {
  constructor(
    readonly line: number,
    problem: string,
  ) {
    super(`line ${line}: ${problem}`);
    this.name = 'ObjSyntaxError';
  }
}

export interface ObjParseOptions {
  /** Called every few megabytes with the share of the file read; may throw to stop. */
  onChunk?: (fraction: number) => Promise<void> | void;
}

const CHUNK_BYTES = 8 * 1024 * 1024;

const NL = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const HASH = 35;
const SLASH = 47;
const MINUS = 45;
const PLUS = 43;
const DOT = 46;
const ZERO = 48;
const NINE = 57;

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

class GrowingFloats {
  data: Float32Array;
  length = 0;
  constructor(capacity: number) {
    this.data = new Float32Array(capacity);
  }
  reserve(extra: number): void {
    if (this.length + extra <= this.data.length) return;
    const next = new Float32Array(Math.max(this.data.length * 2, this.length + extra));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
  /** A view, not a copy: copying 50 MB of positions costs more than the slack it frees. */
  trimmed(): Float32Array {
    return this.data.subarray(0, this.length);
  }
}

class GrowingInts {
  data: Int32Array;
  length = 0;
  constructor(capacity: number) {
    this.data = new Int32Array(capacity);
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }
}

class GrowingIndices {
  data: Uint32Array;
  length = 0;
  constructor(capacity: number) {
    this.data = new Uint32Array(capacity);
  }
  push3(a: number, b: number, c: number): void {
    if (this.length + 3 > this.data.length) {
      const next = new Uint32Array(this.data.length * 2 + 3);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length] = a;
    this.data[this.length + 1] = b;
    this.data[this.length + 2] = c;
    this.length += 3;
  }
}

/**
 * Parses an OBJ. Supports `v` (x y z, optional w, optional r g b), `vt`, `vn`, `f` (any polygon,
 * fanned; negative indices; `v`, `v/vt`, `v//vn`, `v/vt/vn`), `o`/`g`, `usemtl`, `mtllib`;
 * ignores `s`, `vp`, curves and anything else. Throws `ObjSyntaxError` naming the line on an index
 * out of range or a `v` that is not three numbers.
 */
export async function parseObj(input: Uint8Array, options: ObjParseOptions = {}): Promise<ObjData> {
  const bytes = joinContinuedLines(input);
  const end = bytes.length;
  const guess = Math.max(1024, Math.floor(end / 40));

  const positions = new GrowingFloats(guess);
  let colors: GrowingFloats | undefined;
  const uvs = new GrowingFloats(1024);
  const normals = new GrowingFloats(1024);
  const objects: string[] = [];
  const primitives: ObjPrimitive[] = [];
  const primitiveIndices: GrowingIndices[] = [];
  const primitiveByKey = new Map<string, number>();
  const mtllibs: string[] = [];

  // Distinct vertices: a chain per position index (head → next) of the (vt, vn, primitive)
  // combinations seen with it, so a lookup compares only corners sharing the position.
  let head = new Int32Array(guess / 3 + 16).fill(-1);
  const next = new GrowingInts(guess / 3 + 16);
  const vertexV = new GrowingInts(guess / 3 + 16);
  const vertexT = new GrowingInts(guess / 3 + 16);
  const vertexN = new GrowingInts(guess / 3 + 16);
  const vertexPrimitive = new GrowingInts(guess / 3 + 16);
  const vertexLocal = new GrowingInts(guess / 3 + 16);

  let pos = 0;
  let line = 1;
  let objectName: string | undefined;
  let objectIndex = -1;
  let material: string | undefined;
  let current = -1; // the primitive faces go to; -1 until the next face after o/g/usemtl
  let triangleCount = 0;
  let skippedFaces = 0;
  let lineOrPointCount = 0;
  let nextChunk = CHUNK_BYTES;
  let corners = new Int32Array(64);

  // --- lexing helpers (closures over pos) ---
  const skipToLineEnd = (): void => {
    while (pos < end && bytes[pos] !== NL) pos++;
  };
  const skipBlanks = (): void => {
    while (pos < end) {
      const c = bytes[pos];
      if (c !== SPACE && c !== TAB) break;
      pos++;
    }
  };
  const atLineEnd = (): boolean => {
    skipBlanks();
    if (pos >= end) return true;
    const c = bytes[pos];
    return c === NL || c === CR || c === HASH;
  };
  /** The rest of the line as text (names), trimmed; comments not stripped, as other readers do. */
  const restOfLine = (): string => {
    skipBlanks();
    const start = pos;
    skipToLineEnd();
    let stop = pos;
    while (stop > start && (bytes[stop - 1] === CR || bytes[stop - 1] <= SPACE)) stop--;
    return Buffer.from(bytes.buffer, bytes.byteOffset + start, stop - start).toString('utf8');
  };
  /** A decimal number at pos (after blanks); NaN when the token is not one. */
  const readNumber = (): number => {
    skipBlanks();
    const start = pos;
    let c = bytes[pos];
    let negative = false;
    if (c === MINUS || c === PLUS) {
      negative = c === MINUS;
      c = bytes[++pos];
    }
    let mantissa = 0;
    let digits = 0;
    let exponent = 0;
    while (c >= ZERO && c <= NINE) {
      if (digits < 16) {
        mantissa = mantissa * 10 + (c - ZERO);
        if (mantissa !== 0) digits++;
      } else {
        exponent++;
      }
      c = bytes[++pos];
    }
    let seen = pos > start + (negative || bytes[start] === PLUS ? 1 : 0);
    if (c === DOT) {
      c = bytes[++pos];
      while (c >= ZERO && c <= NINE) {
        if (digits < 16) {
          mantissa = mantissa * 10 + (c - ZERO);
          if (mantissa !== 0) digits++;
          exponent--;
        }
        seen = true;
        c = bytes[++pos];
      }
    }
    if (!seen) return slowNumber(start);
    if (c === 101 || c === 69) {
      // e / E
      let e = 0;
      let eNegative = false;
      c = bytes[++pos];
      if (c === MINUS || c === PLUS) {
        eNegative = c === MINUS;
        c = bytes[++pos];
      }
      if (!(c >= ZERO && c <= NINE)) return slowNumber(start);
      while (c >= ZERO && c <= NINE) {
        e = e * 10 + (c - ZERO);
        c = bytes[++pos];
      }
      exponent += eNegative ? -e : e;
    }
    if (
      pos < end &&
      c !== SPACE &&
      c !== TAB &&
      c !== NL &&
      c !== CR &&
      c !== HASH &&
      c !== SLASH
    ) {
      return slowNumber(start);
    }
    let value: number;
    if (exponent === 0) value = mantissa;
    else if (exponent < 0 && exponent >= -22) value = mantissa / POW10[-exponent];
    else if (exponent > 0 && exponent <= 22) value = mantissa * POW10[exponent];
    else value = mantissa * 10 ** exponent;
    return negative ? -value : value;
  };
  /** Anything the fast path declined (`nan`, `1.#IND`, stray text): the token through parseFloat. */
  const slowNumber = (start: number): number => {
    pos = start;
    while (pos < end) {
      const c = bytes[pos];
      if (c === SPACE || c === TAB || c === NL || c === CR) break;
      pos++;
    }
    const token = Buffer.from(bytes.buffer, bytes.byteOffset + start, pos - start).toString(
      'latin1',
    );
    return /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(token) ? Number(token) : NaN;
  };
  /** A signed integer at pos (no blanks skipped); 0 when there is none (OBJ indices are never 0). */
  const readIndex = (): number => {
    let c = bytes[pos];
    let negative = false;
    if (c === MINUS) {
      negative = true;
      c = bytes[++pos];
    }
    let value = 0;
    while (c >= ZERO && c <= NINE) {
      value = value * 10 + (c - ZERO);
      c = bytes[++pos];
    }
    return negative ? -value : value;
  };
  const resolve = (index: number, count: number, what: string): number => {
    const resolved = index > 0 ? index - 1 : count + index;
    if (index === 0 || resolved < 0 || resolved >= count) {
      throw new ObjSyntaxError(
        line,
        `${what} index ${index} is out of range (${count} ${what === 'vertex' ? 'vertices' : what + 's'} defined so far)`,
      );
    }
    return resolved;
  };

  const primitiveFor = (): number => {
    if (objectIndex < 0 || objects[objectIndex] !== (objectName ?? '')) {
      objects.push(objectName ?? '');
      objectIndex = objects.length - 1;
    }
    const key = `${objectIndex}\u0000${material ?? '\u0001'}`;
    let index = primitiveByKey.get(key);
    if (index === undefined) {
      index = primitives.length;
      primitiveByKey.set(key, index);
      primitives.push({
        object: objectIndex,
        material,
        vertexCount: 0,
        indices: new Uint32Array(0),
        hasUv: false,
        hasNormal: false,
      });
      primitiveIndices.push(new GrowingIndices(1024));
    }
    return index;
  };

  const vertexFor = (v: number, vt: number, vn: number, primitive: number): number => {
    if (v >= head.length) {
      const grown = new Int32Array(Math.max(head.length * 2, v + 1)).fill(-1);
      grown.set(head);
      head = grown;
    }
    const ts = vertexT.data;
    const ns = vertexN.data;
    const ps = vertexPrimitive.data;
    for (let id = head[v]; id !== -1; id = next.data[id]) {
      if (ts[id] === vt && ns[id] === vn && ps[id] === primitive) {
        return vertexLocal.data[id];
      }
    }
    const id = vertexV.length;
    const prim = primitives[primitive];
    const local = prim.vertexCount++;
    if (vt >= 0) prim.hasUv = true;
    if (vn >= 0) prim.hasNormal = true;
    next.push(head[v]);
    head[v] = id;
    vertexV.push(v);
    vertexT.push(vt);
    vertexN.push(vn);
    vertexPrimitive.push(primitive);
    vertexLocal.push(local);
    return local;
  };

  const readVertex = (): void => {
    positions.reserve(3);
    const x = readNumber();
    const y = readNumber();
    const z = readNumber();
    if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z)) {
      throw new ObjSyntaxError(line, 'a vertex (v) needs three numbers');
    }
    const p = positions.data;
    const at = positions.length;
    p[at] = x;
    p[at + 1] = y;
    p[at + 2] = z;
    positions.length += 3;
    if (atLineEnd()) {
      if (colors !== undefined) pushWhite(colors, positions.length);
      return;
    }
    // x y z w | x y z r g b | x y z w r g b (the last as some scanners write it)
    const extra = [readNumber()];
    while (!atLineEnd() && extra.length < 4) extra.push(readNumber());
    if (extra.length >= 3 && extra.every(Number.isFinite)) {
      const rgb = extra.length === 4 ? extra.slice(1) : extra;
      if (colors === undefined) {
        colors = new GrowingFloats(positions.data.length);
        pushWhite(colors, positions.length - 3);
      }
      colors.reserve(3);
      colors.data[colors.length] = rgb[0];
      colors.data[colors.length + 1] = rgb[1];
      colors.data[colors.length + 2] = rgb[2];
      colors.length += 3;
    } else if (colors !== undefined) {
      pushWhite(colors, positions.length);
    }
  };

  const readPair = (target: GrowingFloats, count: 2 | 3): void => {
    target.reserve(3);
    const at = target.length;
    for (let i = 0; i < count; i++) {
      const value = atLineEnd() ? 0 : readNumber();
      target.data[at + i] = Number.isFinite(value) ? value : 0;
    }
    target.length += count;
  };

  const readFace = (): void => {
    const vCount = positions.length / 3;
    const tCount = uvs.length / 2;
    const nCount = normals.length / 3;
    let n = 0;
    while (!atLineEnd()) {
      const c = bytes[pos];
      if (!((c >= ZERO && c <= NINE) || c === MINUS)) {
        throw new ObjSyntaxError(line, `unexpected "${String.fromCharCode(c)}" in a face (f)`);
      }
      const v = resolve(readIndex(), vCount, 'vertex');
      let vt = -1;
      let vn = -1;
      if (bytes[pos] === SLASH) {
        pos++;
        if (bytes[pos] !== SLASH) vt = resolve(readIndex(), tCount, 'texture coordinate');
        if (bytes[pos] === SLASH) {
          pos++;
          vn = resolve(readIndex(), nCount, 'normal');
        }
      }
      if (n * 3 + 3 > corners.length) {
        const grown = new Int32Array(corners.length * 2);
        grown.set(corners);
        corners = grown;
      }
      corners[n * 3] = v;
      corners[n * 3 + 1] = vt;
      corners[n * 3 + 2] = vn;
      n++;
    }
    if (n < 3) {
      skippedFaces++;
      return;
    }
    if (current < 0) current = primitiveFor();
    const first = vertexFor(corners[0], corners[1], corners[2], current);
    let previous = vertexFor(corners[3], corners[4], corners[5], current);
    const out = primitiveIndices[current];
    for (let i = 2; i < n; i++) {
      const corner = vertexFor(corners[i * 3], corners[i * 3 + 1], corners[i * 3 + 2], current);
      out.push3(first, previous, corner);
      previous = corner;
    }
    triangleCount += n - 2;
  };

  const keywordIs = (word: string): boolean => {
    for (let i = 0; i < word.length; i++) {
      if (bytes[pos + i] !== word.charCodeAt(i)) return false;
    }
    const after = bytes[pos + word.length];
    return (
      pos + word.length >= end || after === SPACE || after === TAB || after === NL || after === CR
    );
  };

  while (pos < end) {
    if (pos >= nextChunk && options.onChunk !== undefined) {
      nextChunk = pos + CHUNK_BYTES;
      await options.onChunk(pos / end);
    }
    const c = bytes[pos];
    if (c === NL) {
      line++;
      pos++;
      continue;
    }
    if (c === SPACE || c === TAB || c === CR) {
      pos++;
      continue;
    }
    const c1 = bytes[pos + 1];
    const blankAfter1 = c1 === SPACE || c1 === TAB;
    if (c === 118 /* v */) {
      if (blankAfter1) {
        pos += 2;
        readVertex();
      } else if (c1 === 116 /* t */ && isBlank(bytes[pos + 2])) {
        pos += 3;
        readPair(uvs, 2);
      } else if (c1 === 110 /* n */ && isBlank(bytes[pos + 2])) {
        pos += 3;
        readPair(normals, 3);
      }
    } else if (c === 102 /* f */ && (blankAfter1 || isLineEnd(c1))) {
      pos += 1;
      readFace();
    } else if ((c === 111 /* o */ || c === 103) /* g */ && (blankAfter1 || isLineEnd(c1))) {
      pos += 1;
      const name = restOfLine();
      // A `g` inside an `o` keeps the object's name when it has none of its own.
      if (c === 111 || name !== '') objectName = name;
      current = -1;
    } else if (keywordIs('usemtl')) {
      pos += 6;
      material = restOfLine();
      current = -1;
    } else if (keywordIs('mtllib')) {
      pos += 6;
      const names = restOfLine();
      if (names !== '') mtllibs.push(...splitMtllib(names));
    } else if ((c === 108 /* l */ || c === 112) /* p */ && blankAfter1) {
      lineOrPointCount++;
    }
    skipToLineEnd();
  }

  // Every primitive has a triangle: one is made only by a face that has three corners.
  const indexed = primitives.map((primitive, i) => ({
    ...primitive,
    indices: primitiveIndices[i].data.slice(0, primitiveIndices[i].length),
  }));
  return {
    positions: positions.trimmed(),
    colors: colors?.trimmed(),
    uvs: uvs.trimmed(),
    normals: normals.trimmed(),
    vertex: {
      v: vertexV.data.subarray(0, vertexV.length),
      vt: vertexT.data.subarray(0, vertexT.length),
      vn: vertexN.data.subarray(0, vertexN.length),
      primitive: vertexPrimitive.data.subarray(0, vertexPrimitive.length),
      local: vertexLocal.data.subarray(0, vertexLocal.length),
    },
    vertexCount: vertexV.length,
    objects,
    primitives: indexed,
    mtllibs,
    triangleCount,
    skippedFaces,
    lineOrPointCount,
  };
}

function isBlank(c: number | undefined): boolean {
  return c === SPACE || c === TAB;
}

function isLineEnd(c: number | undefined): boolean {
  return c === undefined || c === NL || c === CR;
}

function pushWhite(colors: GrowingFloats, upTo: number): void {
  colors.reserve(upTo - colors.length);
  colors.data.fill(1, colors.length, upTo);
  colors.length = upTo;
}

/** `mtllib a.mtl b.mtl`; a single name with spaces (as some exporters write) when it ends in .mtl. */
function splitMtllib(names: string): string[] {
  if (/\.mtl$/i.test(names) && (names.match(/\.mtl\b/gi) ?? []).length === 1) return [names];
  return names.split(/\s+/).filter((name) => name !== '');
}

/** A backslash at a line's end continues it (rare; only then is the file copied). */
function joinContinuedLines(bytes: Uint8Array): Uint8Array {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // One memchr-fast pass for the byte, then a look at what follows each (usually none).
  let continued = false;
  for (let at = buffer.indexOf(0x5c); at >= 0 && !continued; at = buffer.indexOf(0x5c, at + 1)) {
    const next = buffer[at + 1];
    continued = next === NL || (next === CR && buffer[at + 2] === NL);
  }
  if (!continued) return bytes;
  return Buffer.from(buffer.toString('latin1').replace(/\\\r?\n/g, ''), 'latin1');
}
