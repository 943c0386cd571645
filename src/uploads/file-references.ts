import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { FileFormat } from '../processing/sniff/file-formats';
import {
  daeImageFiles,
  fbxTextureFiles,
  gltfReferences,
  mtlTextureFiles,
  objMaterialLibraries,
} from './grouping/mesh-references';

/** How each format that can name other files is read, and the words its references follow. */
const READERS: Partial<
  Record<FileFormat, { needles: readonly string[]; extract: (bytes: Buffer) => string[] }>
> = {
  obj: { needles: ['mtllib'], extract: (bytes) => objMaterialLibraries(bytes.toString('utf8')) },
  mtl: {
    needles: ['map_', 'bump', 'norm', 'disp', 'decal', 'refl'],
    extract: (bytes) => mtlTextureFiles(bytes.toString('utf8')),
  },
  gltf: { needles: ['"uri"'], extract: (bytes) => gltfReferences(bytes.toString('utf8')) },
  dae: { needles: ['init_from'], extract: (bytes) => daeImageFiles(bytes.toString('utf8')) },
  fbx: { needles: ['FileName', 'RelativeFilename'], extract: (bytes) => fbxTextureFiles(bytes) },
};

export interface ReferenceReadOptions {
  /**
   * Files up to this size are read whole; a bigger one (a 100 MB OBJ) only in excerpts around
   * the words its references follow, found with `Buffer.indexOf` as it streams, so the API
   * process neither holds it nor runs a regular expression over all of it.
   */
  wholeMaxBytes: number;
}

export const REFERENCE_READ_DEFAULTS: ReferenceReadOptions = { wholeMaxBytes: 16 * 1024 * 1024 };

/** Bytes kept before a word (the start of its line, a binary FBX name's length byte) and after it. */
const EXCERPT_BEFORE = 64;
const EXCERPT_AFTER = 4096;

/**
 * The names of the files a model (or an .mtl) refers to, as written, for the mesh grouping:
 * undefined for a format that refers to nothing (.glb, .stl, .ply, images). A glTF over the
 * size limit holding its buffers as `data:` URIs is only read in excerpts, whose URIs are cut:
 * none is taken.
 */
export async function readFileReferences(
  path: string,
  format: FileFormat | undefined,
  bytes: number,
  options: ReferenceReadOptions = REFERENCE_READ_DEFAULTS,
): Promise<string[] | undefined> {
  const reader = format && READERS[format];
  if (!reader) return undefined;
  const content =
    bytes <= options.wholeMaxBytes
      ? await readFile(path)
      : await readExcerpts(path, reader.needles);
  return reader.extract(content);
}

/** The parts of a file around each occurrence of the needles, one after another, `\n` between. */
async function readExcerpts(path: string, needles: readonly string[]): Promise<Buffer> {
  const patterns = needles.map((needle) => Buffer.from(needle, 'latin1'));
  const excerpts: Buffer[] = [];
  let carry = Buffer.alloc(0);
  let searchFrom = 0;
  const scan = (buffer: Buffer, ended: boolean) => {
    // A needle found past `limit` may have its excerpt cut by the chunk's end: it waits.
    const limit = ended ? buffer.length : buffer.length - EXCERPT_AFTER;
    const found: number[] = [];
    for (const pattern of patterns) {
      for (let at = buffer.indexOf(pattern, searchFrom); at >= 0 && at < limit;) {
        found.push(at);
        at = buffer.indexOf(pattern, at + 1);
      }
    }
    for (const at of found.sort((a, b) => a - b))
      excerpts.push(
        buffer.subarray(Math.max(0, at - EXCERPT_BEFORE), at + EXCERPT_AFTER),
        Buffer.from('\n'),
      );
    const keepFrom = Math.max(0, Math.min(limit, buffer.length) - EXCERPT_BEFORE);
    carry = Buffer.from(buffer.subarray(keepFrom));
    searchFrom = Math.max(0, limit - keepFrom);
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }))
    scan(Buffer.concat([carry, chunk as Buffer]), false);
  scan(carry, true);
  return Buffer.concat(excerpts);
}
