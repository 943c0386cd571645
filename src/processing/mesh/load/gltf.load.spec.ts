import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { FIXTURES } from '../../../../test/support/fixtures';
import { ProcessingError } from '../../processing.error';
import { primitiveTriangles, primitiveVertices } from '../mesh-geometry';
import { validateBytes } from 'gltf-validator';
import { buildModelGlb } from '../mesh.convert';
import { loadGltf } from './gltf.load';
import type { MeshFormat, MeshSource } from './mesh-source.types';

const GLTF = join(FIXTURES, 'mesh/gltf');
const MALFORMED = join(FIXTURES, 'malformed');

function load(path: string, format?: MeshFormat): Promise<MeshSource> {
  return loadGltf({
    inputDir: dirname(path),
    primary: basename(path),
    format: format ?? (path.endsWith('.glb') ? 'glb' : 'gltf'),
    signal: new AbortController().signal,
    progress: () => undefined,
  });
}

async function failure(promise: Promise<unknown>): Promise<ProcessingError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof ProcessingError))
    throw new Error(`expected a ProcessingError, got ${String(error)}`);
  return error;
}

function counts({ document }: MeshSource) {
  const primitives = document
    .getRoot()
    .listMeshes()
    .flatMap((mesh) => mesh.listPrimitives());
  return {
    meshes: document.getRoot().listMeshes().length,
    primitives: primitives.length,
    vertices: primitives.reduce((sum, p) => sum + primitiveVertices(p), 0),
    triangles: primitives.reduce((sum, p) => sum + primitiveTriangles(p), 0),
    textures: document.getRoot().listTextures().length,
  };
}

describe('loadGltf', () => {
  // Counts taken from each file's JSON: POSITION accessor counts, and index counts / 3.
  it.each([
    ['Box.glb', 'glb', { meshes: 1, primitives: 1, vertices: 24, triangles: 12, textures: 0 }],
    [
      'BoxTextured.glb',
      'glb',
      { meshes: 1, primitives: 1, vertices: 24, triangles: 12, textures: 1 },
    ],
    ['VET.glb', 'glb', { meshes: 1, primitives: 1, vertices: 4107, triangles: 7968, textures: 2 }],
    [
      'book f.glb',
      'glb',
      { meshes: 2, primitives: 10, vertices: 15318, triangles: 5754, textures: 0 },
    ],
    ['quad_skin.glb', 'glb', { meshes: 1, primitives: 1, vertices: 4, triangles: 2, textures: 0 }],
    [
      'AnimatedMorphCube/AnimatedMorphCube.gltf',
      'gltf',
      { meshes: 1, primitives: 1, vertices: 24, triangles: 12, textures: 0 },
    ],
    [
      'TextureTransform/TextureTransformTest.gltf',
      'gltf',
      { meshes: 9, primitives: 9, vertices: 36, triangles: 18, textures: 5 },
    ],
  ])(
    'reads %s as glTF 2.0, Y-up in metres, with its exact counts',
    async (name, format, expected) => {
      const source = await load(join(GLTF, name));
      expect(source).toMatchObject({
        format,
        formatVersion: 'glTF 2.0',
        sourceUpAxis: 'Y',
        sourceUnitMetres: 1,
      });
      expect(source.warnings).toEqual(
        name === 'quad_skin.glb'
          ? [
              'The file uses the glTF extension FB_ngon_encoding, which Kiln does not read; it was ignored.',
            ]
          : [],
      );
      expect(counts(source)).toEqual(expected);
    },
  );

  it('refuses glTF 1.0 as unsupported, saying only glTF 2.0 is read', async () => {
    const error = await failure(load(join(GLTF, 'BoxTextured-embedded.gltf')));
    expect(error.code).toBe('MESH_UNSUPPORTED');
    expect(error.message).toBe(
      'BoxTextured-embedded.gltf is glTF 1.0; Kiln reads glTF 2.0 only. Re-export it as glTF 2.0 (most tools and gltf-pipeline can).',
    );
  });

  it.each([
    [
      'IndexOutOfRange/IndexOutOfRange.gltf',
      'ACCESSOR_INDEX_OOB at /meshes/0/primitives/0/indices',
    ],
    [
      'MissingBin/BoxTextured.gltf',
      'needs the buffer "BoxTextured0.bin" (buffers[0]), which is not found in the upload',
    ],
    ['RecursiveNodes.gltf', 'NODE_LOOP at /nodes/0'],
    ['wrongTypes/badArray.gltf', 'TYPE_MISMATCH at /meshes/0/primitives'],
    ['wrongTypes/badNumber.gltf', 'TYPE_MISMATCH at /materials/0/normalTexture/scale'],
  ])('fails malformed/%s as MESH_PARSE_FAILED, saying what is wrong', async (name, says) => {
    const error = await failure(load(join(MALFORMED, name)));
    expect(error.code).toBe('MESH_PARSE_FAILED');
    expect(error.message).toContain(basename(name));
    expect(error.message).toContain(says);
  });

  describe('resolving the references of a .gltf', () => {
    let root: string;
    let asset: string;
    const png = join(GLTF, 'TextureTransform/Arrow.png');
    beforeEach(async () => {
      root = await mkdtemp(join(tmpdir(), 'kiln-gltf-refs-'));
      asset = join(root, 'asset');
      await mkdir(join(asset, 'scene'), { recursive: true });
      await copyFile(png, join(root, 'outside.png')); // readable, but outside the asset
    });
    afterEach(async () => {
      jest.restoreAllMocks();
      await rm(root, { recursive: true, force: true });
    });

    /** A one-triangle glTF in asset/scene/ whose texture is `imageUri` and whose buffer is `bufferUri` (default: embedded). */
    async function writeModel(imageUri: string, bufferUri?: string): Promise<string> {
      const triangle = Buffer.from(new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]).buffer);
      const uv = Buffer.from(new Float32Array([0, 0, 1, 0, 0, 1]).buffer);
      const data = Buffer.concat([triangle, uv]);
      if (bufferUri) await writeFile(join(asset, 'scene', 'Tri.BIN'), data);
      const json = {
        asset: { version: '2.0' },
        scene: 0,
        scenes: [{ nodes: [0] }],
        nodes: [{ mesh: 0 }],
        meshes: [{ primitives: [{ attributes: { POSITION: 0, TEXCOORD_0: 1 }, material: 0 }] }],
        materials: [{ pbrMetallicRoughness: { baseColorTexture: { index: 0 } } }],
        textures: [{ source: 0 }],
        images: [{ uri: imageUri }],
        accessors: [
          {
            bufferView: 0,
            componentType: 5126,
            count: 3,
            type: 'VEC3',
            min: [0, 0, 0],
            max: [1, 1, 0],
          },
          { bufferView: 1, componentType: 5126, count: 3, type: 'VEC2' },
        ],
        bufferViews: [
          { buffer: 0, byteOffset: 0, byteLength: 36 },
          { buffer: 0, byteOffset: 36, byteLength: 24 },
        ],
        buffers: [
          {
            byteLength: 60,
            uri: bufferUri ?? `data:application/octet-stream;base64,${data.toString('base64')}`,
          },
        ],
      };
      const path = join(asset, 'scene', 'tri.gltf');
      await writeFile(path, JSON.stringify(json));
      return path;
    }

    function loadModel(path: string): Promise<MeshSource> {
      return loadGltf({
        inputDir: asset,
        primary: `scene/${basename(path)}`,
        format: 'gltf',
        signal: new AbortController().signal,
        progress: () => undefined,
      });
    }

    it.each([
      ['../../outside.png', "points outside the upload's folder, not followed"],
      ['..\\..\\outside.png', "points outside the upload's folder, not followed"],
      ['%2e%2e/%2e%2e/outside.png', "points outside the upload's folder, not followed"],
      ['../../etc/passwd', "points outside the upload's folder, not followed"],
      ['/etc/passwd', 'is an absolute path, not followed'],
      ['file:///etc/passwd', 'is an absolute path, not followed'],
      ['C:\\Windows\\win.ini', 'is an absolute path, not followed'],
    ])(
      'never reads the image "%s": a warning, and the texture is left out',
      async (uri, reason) => {
        const fs = jest.requireActual<typeof import('node:fs/promises')>('node:fs/promises');
        const reads = jest.spyOn(fs, 'readFile');
        const source = await loadModel(await writeModel(uri));
        expect(source.warnings).toEqual([
          `The image "${uri}" (images[0]) ${reason}; its texture was left out.`,
        ]);
        expect(source.document.getRoot().listTextures()).toEqual([]);
        expect(source.document.getRoot().listMaterials()[0].getBaseColorTexture()).toBeNull();
        expect(
          reads.mock.calls.map(([path]) => basename(typeof path === 'string' ? path : '')),
        ).toEqual(['tri.gltf']);
      },
    );

    it('refuses the absolute path of a real image outside the asset', async () => {
      const uri = join(root, 'outside.png');
      const source = await loadModel(await writeModel(uri));
      expect(source.warnings).toEqual([
        `The image "${uri}" (images[0]) is an absolute path, not followed; its texture was left out.`,
      ]);
      expect(source.document.getRoot().listTextures()).toEqual([]);
    });

    it.each(['nowhere.png', '__proto__', 'constructor'])(
      'warns of the missing image "%s" and leaves its texture out, the model still read',
      async (uri) => {
        const source = await loadModel(await writeModel(uri));
        expect(source.warnings).toEqual([
          `The image "${uri}" (images[0]) is not found in the upload; its texture was left out.`,
        ]);
        expect(counts(source)).toMatchObject({ triangles: 1, textures: 0 });
      },
    );

    it.each([
      ['textures\\ARROW.png', 'scene/Textures/arrow.PNG'],
      ['Textures/my%20arrow.png', 'scene/textures/My Arrow.png'],
      ['../Shared/./arrow.png', 'shared/Arrow.png'],
      ['textures/lost/arrow.png', 'elsewhere/Arrow.png'], // not at its path: the one file of that name
    ])(
      'finds the image "%s" at %s (case-insensitively, backslashes as /, percent-decoded)',
      async (uri, where) => {
        await mkdir(dirname(join(asset, where)), { recursive: true });
        await copyFile(png, join(asset, where));
        const source = await loadModel(await writeModel(uri));
        expect(source.warnings).toEqual([]);
        const [texture] = source.document.getRoot().listTextures();
        expect(Buffer.from(texture.getImage() ?? [])).toEqual(await readFile(png));
      },
    );

    it('reads a file whose declared accessor bounds are wrong, and convert writes them right', async () => {
      await copyFile(png, join(asset, 'scene', 'arrow.png'));
      const path = await writeModel('arrow.png');
      const json = JSON.parse(await readFile(path, 'utf8')) as {
        accessors: Array<{ max?: number[] }>;
      };
      json.accessors[0].max = [5, 5, 5];
      await writeFile(path, JSON.stringify(json));
      const { glb } = await buildModelGlb(
        await loadModel(path),
        () => undefined,
        new AbortController().signal,
      );
      const report = await validateBytes(glb, { format: 'glb', writeTimestamp: false });
      expect(report.issues.messages.filter((m) => m.severity === 0)).toEqual([]);
    });

    it('does not guess between two images of the same name', async () => {
      for (const folder of ['a', 'b']) {
        await mkdir(join(asset, folder));
        await copyFile(png, join(asset, folder, 'arrow.png'));
      }
      const source = await loadModel(await writeModel('textures/arrow.png'));
      expect(source.warnings).toEqual([
        `The image "textures/arrow.png" (images[0]) is not found at that path, and 2 files in the upload have its name; its texture was left out.`,
      ]);
    });

    it("reads an external buffer case-insensitively, a buffer that leaves the folder only as the asset's file of its name, and fails naming one it has not", async () => {
      await copyFile(png, join(asset, 'scene', 'arrow.png'));
      expect(counts(await loadModel(await writeModel('arrow.png', 'tri.bin')))).toMatchObject({
        triangles: 1,
        textures: 1,
      });
      expect(counts(await loadModel(await writeModel('arrow.png', '../../tri.bin')))).toMatchObject(
        { triangles: 1 },
      );
      const error = await failure(loadModel(await writeModel('arrow.png', '../../other.bin')));
      expect(error.code).toBe('MESH_PARSE_FAILED');
      expect(error.message).toBe(
        `scene/tri.gltf needs the buffer "../../other.bin" (buffers[0]), which points outside the upload's folder, not followed. Upload it together with the model, in the same folder.`,
      );
    });
  });

  describe('on damaged copies of every glTF fixture', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'kiln-gltf-damaged-'));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    const FIXTURE_FILES = [
      'Box.glb',
      'BoxTextured.glb',
      'VET.glb',
      'book f.glb',
      'quad_skin.glb',
      'BoxTextured-embedded.gltf',
      'AnimatedMorphCube/AnimatedMorphCube.gltf',
      'TextureTransform/TextureTransformTest.gltf',
    ];

    /** The fixture's folder copied into `dir`, with the model file itself replaced by `bytes`. */
    async function damaged(name: string, bytes: (original: Buffer) => Uint8Array): Promise<string> {
      const from = dirname(join(GLTF, name));
      if (name.includes('/')) {
        for (const file of await readdir(from)) await copyFile(join(from, file), join(dir, file));
      }
      const target = join(dir, basename(name));
      await writeFile(target, bytes(await readFile(join(GLTF, name))));
      return target;
    }

    it.each(FIXTURE_FILES)('fails %s cut to its first half as MESH_PARSE_FAILED', async (name) => {
      const path = await damaged(name, (bytes) => bytes.subarray(0, Math.floor(bytes.length / 2)));
      const error = await failure(load(path));
      expect(error.code).toBe('MESH_PARSE_FAILED');
      expect(error.message).toContain(basename(name));
    });

    it.each(FIXTURE_FILES)(
      'fails random bytes the size of %s as MESH_PARSE_FAILED',
      async (name) => {
        const path = await damaged(name, (bytes) => seededBytes(bytes.length, bytes.length));
        const error = await failure(load(path));
        expect(error.code).toBe('MESH_PARSE_FAILED');
        expect(error.message).toContain(basename(name));
      },
    );

    it.each(FIXTURE_FILES.filter((name) => name.endsWith('.glb')))(
      'fails %s with its GLB header kept but the rest random as MESH_PARSE_FAILED',
      async (name) => {
        const path = await damaged(name, (bytes) => {
          const out = seededBytes(bytes.length, 7);
          out.set(bytes.subarray(0, 12)); // magic, version 2, length: it claims to be a GLB
          return out;
        });
        expect((await failure(load(path))).code).toBe('MESH_PARSE_FAILED');
      },
    );
  });
});

/** Deterministic noise (a linear congruential generator), so a failure reproduces. */
function seededBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}
