import type { AssetKind } from '../../contract';

/** What Kiln knows about one file format: the one table of content types. */
export interface FileFormatInfo {
  /** How a person calls it, for messages. */
  readonly name: string;
  /** The media type its bytes are recorded and served as. */
  readonly contentType: string;
  /**
   * The kind a file of this format is when it comes alone: an image file is an image asset.
   * Null for containers (a zip's kind depends on what it holds) and for files that only come
   * with another (an .mtl or a .bin belongs to a model).
   */
  readonly kind: AssetKind | null;
  /** Lower-case extensions, without the dot; never trusted over the bytes (see file-sniff.ts). */
  readonly extensions: readonly string[];
}

/**
 * Every format Kiln names, and the one table of their content types and kinds: images, zip, the
 * model formats (kind `mesh`) and the files that only come with a model (MTL, a glTF's .bin: kind
 * null). `sniffFile` recognises each from its bytes.
 */
export const FILE_FORMATS = {
  png: { name: 'PNG', contentType: 'image/png', kind: 'image', extensions: ['png'] },
  jpeg: {
    name: 'JPEG',
    contentType: 'image/jpeg',
    kind: 'image',
    extensions: ['jpg', 'jpeg', 'jpe'],
  },
  webp: { name: 'WebP', contentType: 'image/webp', kind: 'image', extensions: ['webp'] },
  tiff: { name: 'TIFF', contentType: 'image/tiff', kind: 'image', extensions: ['tif', 'tiff'] },
  gif: { name: 'GIF', contentType: 'image/gif', kind: 'image', extensions: ['gif'] },
  avif: { name: 'AVIF', contentType: 'image/avif', kind: 'image', extensions: ['avif'] },
  tga: { name: 'TGA', contentType: 'image/x-tga', kind: 'image', extensions: ['tga'] },
  exr: { name: 'OpenEXR', contentType: 'image/x-exr', kind: 'image', extensions: ['exr'] },
  hdr: {
    name: 'Radiance HDR',
    contentType: 'image/vnd.radiance',
    kind: 'image',
    extensions: ['hdr'],
  },
  zip: { name: 'zip', contentType: 'application/zip', kind: null, extensions: ['zip'] },
  obj: { name: 'OBJ', contentType: 'model/obj', kind: 'mesh', extensions: ['obj'] },
  mtl: { name: 'MTL', contentType: 'model/mtl', kind: null, extensions: ['mtl'] },
  gltf: { name: 'glTF', contentType: 'model/gltf+json', kind: 'mesh', extensions: ['gltf'] },
  glb: { name: 'GLB', contentType: 'model/gltf-binary', kind: 'mesh', extensions: ['glb'] },
  bin: {
    name: 'glTF buffer',
    contentType: 'application/octet-stream',
    kind: null,
    extensions: ['bin'],
  },
  stl: { name: 'STL', contentType: 'model/stl', kind: 'mesh', extensions: ['stl'] },
  ply: { name: 'PLY', contentType: 'model/x-ply', kind: 'mesh', extensions: ['ply'] },
  fbx: { name: 'FBX', contentType: 'model/x-fbx', kind: 'mesh', extensions: ['fbx'] },
  dae: { name: 'COLLADA', contentType: 'model/vnd.collada+xml', kind: 'mesh', extensions: ['dae'] },
  sbsar: {
    name: 'Substance archive',
    contentType: 'application/x-sbsar',
    kind: 'substance',
    extensions: ['sbsar'],
  },
} as const satisfies Readonly<Record<string, FileFormatInfo>>;

export type FileFormat = keyof typeof FILE_FORMATS;

/** The content type of bytes Kiln could not name. */
export const UNKNOWN_CONTENT_TYPE = 'application/octet-stream';

/** The format whose extensions include the file name's, if any; for messages and TGA only. */
export function formatByExtension(filename: string): FileFormat | undefined {
  const dot = filename.lastIndexOf('.');
  if (dot < 0) return undefined;
  const extension = filename.slice(dot + 1).toLowerCase();
  return (Object.keys(FILE_FORMATS) as FileFormat[]).find((format) =>
    (FILE_FORMATS[format].extensions as readonly string[]).includes(extension),
  );
}
