import { GLB_BUFFER, type Document, type JSONDocument } from '@gltf-transform/core';
import { ALL_EXTENSIONS } from '@gltf-transform/extensions';
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { errorMessage } from '../../step-outcome';
import { resolveInside } from '../../step-folder';
import { meshParseFailed, meshUnsupported } from '../mesh-errors';
import { meshIO } from '../mesh-io';
import { describeValidatorErrors, runGltfValidator } from '../mesh-validate';
import { decodeDataUri } from './data-uri';
import { type AssetFiles, assetPath, listAssetFiles, resolveReference } from './resolve-reference';
import type { MeshLoadInput, MeshSource } from './mesh-source.types';

/**
 * Validator errors a file may have and still be read, since `convert` writes them right:
 * gltf-transform recomputes accessor bounds, and `repairUnitVectors` rescales normals, tangents
 * and rotations that are not unit length (common in exports; three.js draws them anyway).
 */
const REPAIRED_ON_WRITE = new Set([
  'ACCESSOR_MIN_MISMATCH',
  'ACCESSOR_MAX_MISMATCH',
  'ACCESSOR_VECTOR3_NON_UNIT',
  'ACCESSOR_NON_UNIT',
  'ACCESSOR_INVALID_SIGN',
]);

/** The extensions Kiln reads; a file that requires another cannot be shown faithfully. */
const READABLE_EXTENSIONS = new Set(ALL_EXTENSIONS.map((extension) => extension.EXTENSION_NAME));

const GLB_MAGIC = 0x46546c67; // 'glTF'
const CHUNK_JSON = 0x4e4f534a;
const CHUNK_BIN = 0x004e4942;

/** A glTF file's JSON and its embedded binary chunk (GLB only). */
interface GltfContainer {
  format: 'glb' | 'gltf';
  json: Record<string, unknown>;
  bin?: Uint8Array<ArrayBuffer>;
}

interface ResolvedResources {
  resources: Record<string, Uint8Array<ArrayBuffer>>;
  /** Indices of images that could not be had (missing, refused, malformed): their textures go. */
  droppedImages: Set<number>;
  warnings: string[];
}

/**
 * Reads a `.gltf` (with its `.bin` files and images, or `data:` URIs) or a `.glb` (also Draco- or
 * meshopt-compressed) into a Document. Which of the two it is, the bytes decide.
 *
 * Every external `uri` is resolved here, inside the asset's folder only (`resolveReference`);
 * gltf-transform never resolves one itself. A buffer that is missing or refused fails the load
 * (`MESH_PARSE_FAILED`, naming the uri); an image that is, is left out with a warning.
 *
 * The Khronos validator reads the file first, so a file it finds broken (an index past the
 * vertices, a node loop, a property of the wrong type, a truncated chunk) fails with its precise
 * message and never reaches gltf-transform, which may loop or crash on such input.
 * glTF 1.0 is `MESH_UNSUPPORTED`.
 */
export async function loadGltf(input: MeshLoadInput): Promise<MeshSource> {
  const { inputDir, primary, signal, progress } = input;
  progress(0);
  const bytes = new Uint8Array(await readFile(resolveInside(inputDir, primary)));
  const container = readContainer(bytes, primary);
  const version = checkVersion(container.json, primary);
  checkRequiredExtensions(container.json, primary);
  progress(0.1);
  signal.throwIfAborted();

  const { resources, droppedImages, warnings } = await resolveResources(container, input);
  warnings.push(...ignoredExtensions(container.json));
  progress(0.3);
  signal.throwIfAborted();

  await validateSource(bytes, container.format, resources, droppedImages, primary);
  progress(0.6);
  signal.throwIfAborted();

  // The validator has checked the JSON against the schema, so it is glTF's shape.
  const json = container.json as unknown as JSONDocument['json'];
  const document = await readDocument({ json, resources }, primary);
  // A dropped image was given no bytes; its texture goes, and materials lose that slot.
  for (const texture of document.getRoot().listTextures()) {
    if (!texture.getImage()?.byteLength) texture.dispose();
  }
  progress(1);
  return {
    document,
    format: container.format,
    formatVersion: `glTF ${version}`,
    sourceUpAxis: 'Y', // glTF is Y-up and in metres by definition
    sourceUnitMetres: 1,
    warnings,
  };
}

function readContainer(bytes: Uint8Array<ArrayBuffer>, primary: string): GltfContainer {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength >= 4 && view.getUint32(0, true) === GLB_MAGIC) {
    return readGlb(bytes, view, primary);
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const json = parseJson(text.replace(/^\uFEFF/, ''));
  if (!json) {
    throw meshParseFailed(
      `${primary} is neither a GLB (it does not start with "glTF") nor glTF JSON (${text.trim() === '' ? 'it is empty' : 'it is not a JSON object'}); it may be truncated or not a glTF file at all.`,
    );
  }
  return { format: 'gltf', json };
}

/** A GLB's chunks, checked against the lengths its header states. */
function readGlb(bytes: Uint8Array<ArrayBuffer>, view: DataView, primary: string): GltfContainer {
  const truncated = (what: string) =>
    meshParseFailed(
      `${primary} is a truncated GLB: ${what}. Upload the whole file again or re-export it.`,
    );
  if (bytes.byteLength < 20) throw truncated(`it is only ${bytes.byteLength} bytes long`);
  const version = view.getUint32(4, true);
  if (version === 1) {
    throw meshUnsupported(
      `${primary} is a glTF 1.0 binary; Kiln reads glTF 2.0 only. Re-export it as glTF 2.0 (most tools and gltf-pipeline can).`,
    );
  }
  if (version !== 2) throw meshParseFailed(`${primary} has an unknown GLB version (${version}).`);
  const length = view.getUint32(8, true);
  if (length > bytes.byteLength) {
    throw truncated(`its header says ${length} bytes, the file has ${bytes.byteLength}`);
  }
  const jsonLength = view.getUint32(12, true);
  if (view.getUint32(16, true) !== CHUNK_JSON) {
    throw meshParseFailed(`${primary} is not a valid GLB: its first chunk is not JSON.`);
  }
  if (20 + jsonLength > length) throw truncated('its JSON chunk runs past the end');
  const json = parseJson(
    Buffer.from(bytes.buffer, bytes.byteOffset + 20, jsonLength).toString('utf8'),
  );
  if (!json)
    throw meshParseFailed(`${primary} is not a valid GLB: its JSON chunk is not a JSON object.`);
  const binAt = 20 + jsonLength;
  if (binAt + 8 > length || view.getUint32(binAt + 4, true) !== CHUNK_BIN) {
    return { format: 'glb', json };
  }
  const binLength = view.getUint32(binAt, true);
  if (binAt + 8 + binLength > length) throw truncated('its binary chunk runs past the end');
  return { format: 'glb', json, bin: bytes.subarray(binAt + 8, binAt + 8 + binLength) };
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The file's `asset.version`; only 2.x is read. */
function checkVersion(json: Record<string, unknown>, primary: string): string {
  const asset = json.asset as { version?: unknown } | undefined;
  const version = typeof asset?.version === 'string' ? asset.version : undefined;
  if (version === undefined) {
    // glTF 1.0 files often state no version in the form 2.0 requires; their layout gives them away.
    if (isObjectMap(json.meshes) || isObjectMap(json.nodes) || 'techniques' in json) {
      throw glTF1(primary);
    }
    throw meshParseFailed(
      `${primary} is not a valid glTF file: it has no "asset.version" (every glTF 2.0 file states it).`,
    );
  }
  if (/^1(\.|$)/.test(version)) {
    throw glTF1(primary);
  }
  if (!/^2(\.|$)/.test(version)) {
    throw meshUnsupported(`${primary} is glTF ${version}; Kiln reads glTF 2.0 only.`);
  }
  return version;
}

function glTF1(primary: string) {
  return meshUnsupported(
    `${primary} is glTF 1.0; Kiln reads glTF 2.0 only. Re-export it as glTF 2.0 (most tools and gltf-pipeline can).`,
  );
}

/** glTF 1.0 keeps meshes and nodes in objects keyed by id; 2.0 in arrays. */
function isObjectMap(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkRequiredExtensions(json: Record<string, unknown>, primary: string): void {
  const required = Array.isArray(json.extensionsRequired) ? json.extensionsRequired : [];
  const unknown = required.filter(
    (name) => typeof name !== 'string' || !READABLE_EXTENSIONS.has(name),
  );
  if (unknown.length > 0) {
    throw meshUnsupported(
      `${primary} requires the glTF extension${unknown.length > 1 ? 's' : ''} ${unknown.map(String).join(', ')}, which Kiln does not read.`,
    );
  }
}

/** A warning per extension the file uses (but does not require) that Kiln does not read. */
function ignoredExtensions(json: Record<string, unknown>): string[] {
  const used = Array.isArray(json.extensionsUsed) ? json.extensionsUsed : [];
  return used
    .filter((name): name is string => typeof name === 'string' && !READABLE_EXTENSIONS.has(name))
    .map(
      (name) =>
        `The file uses the glTF extension ${name}, which Kiln does not read; it was ignored.`,
    );
}

/**
 * The bytes of every buffer and image the JSON names by `uri`, keyed by that uri as written
 * (what gltf-transform and the validator look up), plus the GLB's own chunk.
 */
async function resolveResources(
  container: GltfContainer,
  { inputDir, primary }: MeshLoadInput,
): Promise<ResolvedResources> {
  // No prototype: a uri such as `constructor` or `__proto__` is just a name here.
  const resources = Object.create(null) as Record<string, Uint8Array<ArrayBuffer>>;
  if (container.bin) resources[GLB_BUFFER] = container.bin;
  const warnings: string[] = [];
  const droppedImages = new Set<number>();
  const assets: AssetListing = {}; // listed on the first external uri, once
  const { buffers, images } = container.json;
  for (const [index, buffer] of listOf(buffers).entries()) {
    const uri = uriOf(buffer);
    if (uri === undefined || Object.hasOwn(resources, uri)) continue;
    const bytes = await readResource(inputDir, primary, uri, assets);
    if (typeof bytes === 'string') {
      throw meshParseFailed(
        `${primary} needs the buffer "${uri}" (buffers[${index}]), which ${bytes}. Upload it together with the model, in the same folder.`,
      );
    }
    resources[uri] = bytes;
  }
  for (const [index, image] of listOf(images).entries()) {
    const uri = uriOf(image);
    if (uri === undefined || Object.hasOwn(resources, uri)) continue;
    const bytes = await readResource(inputDir, primary, uri, assets);
    if (typeof bytes === 'string') {
      droppedImages.add(index);
      resources[uri] = new Uint8Array(0); // read as "no image": the texture is removed afterwards
      warnings.push(
        `The image "${shorten(uri)}" (images[${index}]) ${bytes}; its texture was left out.`,
      );
    } else {
      resources[uri] = bytes;
    }
  }
  return { resources, droppedImages, warnings };
}

/** A resource's bytes, or why there are none (a sentence fragment after "which"/"the image"). */
async function readResource(
  inputDir: string,
  primary: string,
  uri: string,
  assets: AssetListing,
): Promise<Uint8Array<ArrayBuffer> | string> {
  if (uri.startsWith('data:')) return decodeDataUri(uri) ?? 'is a malformed data: URI';
  assets.listing ??= listAssetFiles(inputDir);
  const found = resolveReference(await assets.listing, primary, uri);
  if (!found.found) return found.problem;
  return new Uint8Array(await readFile(assetPath(await assets.listing, found.path)));
}

/** The asset's files, listed when a uri first needs them. */
interface AssetListing {
  listing?: Promise<AssetFiles>;
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function uriOf(item: unknown): string | undefined {
  const uri = (item as { uri?: unknown } | null)?.uri;
  return typeof uri === 'string' ? uri : undefined;
}

function shorten(uri: string): string {
  return uri.length > 80 ? `${uri.slice(0, 60)}…` : uri;
}

/** Runs the Khronos validator on the file as uploaded; its errors fail the load. */
async function validateSource(
  bytes: Uint8Array<ArrayBuffer>,
  format: 'glb' | 'gltf',
  resources: Record<string, Uint8Array<ArrayBuffer>>,
  droppedImages: ReadonlySet<number>,
  primary: string,
): Promise<void> {
  let messages;
  try {
    // The validator hands back a uri cleaned up its own way (`\\` as `/`, `./` dropped): both
    // sides are compared in one normal form.
    const byKey = new Map(Object.entries(resources).map(([uri, data]) => [uriKey(uri), data]));
    messages = await runGltfValidator(bytes, {
      format,
      resource: (uri) => {
        const data =
          (Object.hasOwn(resources, uri) ? resources[uri] : undefined) ?? byKey.get(uriKey(uri));
        return data?.byteLength ? data : undefined;
      },
    });
  } catch (error) {
    throw meshParseFailed(`${primary} could not be read as glTF: ${errorMessage(error)}`);
  }
  // A dropped image is already a warning; the validator's complaint about it is not news.
  const dropped = [...droppedImages].map((index) => `/images/${index}`);
  const fatal = messages.filter(
    (message) =>
      message.severity === 0 &&
      !REPAIRED_ON_WRITE.has(message.code) &&
      !(message.code === 'IO_ERROR' && message.pointer?.startsWith('/images/')) &&
      !dropped.some((p) => message.pointer === p || message.pointer?.startsWith(`${p}/`)),
  );
  if (fatal.length > 0) {
    throw meshParseFailed(
      `${primary} is not a valid glTF 2.0 file (Khronos glTF validator): ${describeValidatorErrors(fatal)}.`,
    );
  }
}

function uriKey(uri: string): string {
  let decoded = uri;
  try {
    decoded = decodeURIComponent(uri);
  } catch {
    // a lone `%` stays as it is
  }
  return posix.normalize(decoded.replace(/\\/g, '/'));
}

async function readDocument(jsonDocument: JSONDocument, primary: string): Promise<Document> {
  const io = await meshIO();
  try {
    return await io.readJSON(jsonDocument);
  } catch (error) {
    throw meshParseFailed(`${primary} could not be read as glTF 2.0: ${errorMessage(error)}`);
  }
}
