import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Document } from '@gltf-transform/core';
import { FIXTURES } from '../../../test/support/fixtures';
import { useStepWorkspace } from '../../../test/support/step-workspace';
import { loadGltf } from './load/gltf.load';
import type { MeshSource } from './load/mesh-source.types';
import { describeMesh, inspectMesh, type MeshMetadata } from './mesh.inspect';

const GLTF = join(FIXTURES, 'mesh/gltf');
// gltf-transform lives in Node's realm (see jest.config.js), where jest's Float32Array is another class.

function load(name: string): Promise<MeshSource> {
  const path = join(GLTF, name);
  return loadGltf({
    inputDir: dirname(path),
    primary: basename(path),
    format: name.endsWith('.glb') ? 'glb' : 'gltf',
    signal: new AbortController().signal,
    progress: () => undefined,
  });
}

/** Rounds the box to micrometres: node matrices leave 1e-16 noise. */
function roundedBounds(metadata: MeshMetadata) {
  const round = (v: number[]) => v.map((x) => Math.round(x * 1e6) / 1e6);
  return (
    metadata.bounds && {
      min: round(metadata.bounds.min),
      max: round(metadata.bounds.max),
      size: round(metadata.bounds.size),
    }
  );
}

describe('describeMesh', () => {
  // Counts from each file's JSON (POSITION counts; index counts / 3); texture sizes from the
  // images' headers as the Khronos validator reports them; bounds from the accessors' min/max
  // under the node transforms.
  it('describes Box.glb (Draco-compressed): one red cube of 1 m, Y-up in metres', async () => {
    const metadata = describeMesh(await load('Box.glb'));
    expect({ ...metadata, bounds: roundedBounds(metadata) }).toEqual({
      format: 'glb',
      formatVersion: 'glTF 2.0',
      nodes: 2,
      meshes: 1,
      primitives: 1,
      vertices: 24,
      triangles: 12,
      primitiveModes: { TRIANGLES: 1 },
      materials: 1,
      textures: [],
      textureGpuBytes: 0,
      animations: [],
      skins: [],
      morphTargets: 0,
      // The Z-up cube is turned Y-up by its root node's matrix: still ±0.5 on every axis.
      bounds: { min: [-0.5, -0.5, -0.5], max: [0.5, 0.5, 0.5], size: [1, 1, 1] },
      sourceUpAxis: 'Y',
      sourceUnitMetres: 1,
      warnings: [],
    });
  });

  it('reports each texture with its size from the image header and its GPU size with mipmaps', async () => {
    expect(describeMesh(await load('VET.glb'))).toMatchObject({
      triangles: 7968,
      vertices: 4107,
      textures: [
        {
          name: 'T_VET_Diffuse',
          mimeType: 'image/png',
          width: 2048,
          height: 2048,
          gpuBytes: 22369621,
        },
        {
          name: 'T_VET_Metallic-T_VET_Roughness',
          mimeType: 'image/png',
          width: 2048,
          height: 2048,
          gpuBytes: 22369621,
        },
      ],
      textureGpuBytes: 44739242,
    });
    // Images referenced by uri are named by their file.
    const transform = describeMesh(await load('TextureTransform/TextureTransformTest.gltf'));
    expect(transform.textures.map((t) => [t.name, t.width, t.height])).toEqual([
      ['UV.png', 256, 256],
      ['Arrow.png', 128, 128],
      ['Correct.png', 128, 128],
      ['NotSupported.png', 128, 128],
      ['Error.png', 128, 128],
    ]);
    expect(transform).toMatchObject({
      nodes: 12,
      meshes: 9,
      primitives: 9,
      vertices: 36,
      triangles: 18,
      materials: 9,
    });
  });

  it('reports animations with their duration and channels, and morph targets', async () => {
    const metadata = describeMesh(await load('AnimatedMorphCube/AnimatedMorphCube.gltf'));
    expect(metadata.animations).toEqual([
      { name: 'Square', durationSeconds: expect.closeTo(4.2, 5) as number, channels: 1 },
    ]);
    expect(metadata).toMatchObject({ morphTargets: 2, triangles: 12, vertices: 24 });
  });

  it('reports skins with their joint counts', async () => {
    const metadata = describeMesh(await load('quad_skin.glb'));
    expect(metadata).toMatchObject({
      nodes: 23,
      triangles: 2,
      vertices: 4,
      materials: 2,
      skins: [{ name: 'skin', joints: 10 }],
      warnings: [
        'The file uses the glTF extension FB_ngon_encoding, which Kiln does not read; it was ignored.',
      ],
    });
  });

  it('reports book f.glb (a name with a space) with its two meshes of ten primitives', async () => {
    expect(describeMesh(await load('book f.glb'))).toMatchObject({
      nodes: 2,
      meshes: 2,
      primitives: 10,
      vertices: 15318,
      triangles: 5754,
      materials: 5,
    });
  });

  it('counts strips and fans as n − 2 triangles and points and lines as none, and survives a node loop', () => {
    const document = new Document();
    const buffer = document.createBuffer();
    const positions = document
      .createAccessor()
      .setType('VEC3')
      .setArray(new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0, 2, 0, 0]))
      .setBuffer(buffer);
    const mesh = document.createMesh();
    for (const mode of [0, 1, 3, 4, 5, 6]) {
      mesh.addPrimitive(
        document
          .createPrimitive()
          .setMode(mode as 0)
          .setAttribute('POSITION', positions),
      );
    }
    const a = document.createNode('a').setMesh(mesh);
    const b = document.createNode('b');
    a.addChild(b);
    // A loop gltf-transform's own traverse() would never leave: b's child is a again (addRef
    // skips the check addChild makes).
    (b as unknown as { addRef(name: string, node: unknown): void }).addRef('children', a);
    expect(b.listChildren()).toEqual([a]);
    document.createScene().addChild(a);
    const metadata = describeMesh({ document, format: 'glb', warnings: [] });
    expect(metadata).toMatchObject({
      primitives: 6,
      vertices: 30,
      // TRIANGLES: 5 vertices → 1; STRIP and FAN: 5 − 2 = 3 each.
      triangles: 7,
      primitiveModes: {
        POINTS: 1,
        LINES: 1,
        LINE_STRIP: 1,
        TRIANGLES: 1,
        TRIANGLE_STRIP: 1,
        TRIANGLE_FAN: 1,
      },
      bounds: { min: [0, 0, 0], max: [2, 1, 0], size: [2, 1, 0] },
    });
  });
});

describe('inspectMesh', () => {
  const workspace = useStepWorkspace('kiln-mesh-inspect-');

  it('writes metadata.json as pretty JSON and returns the same facts as metadata', async () => {
    const source = await load('BoxTextured.glb');
    const request = {
      ...workspace.folders(join(GLTF, 'BoxTextured.glb')),
      kind: 'mesh' as const,
      step: 'inspect' as const,
      options: {},
    };
    const result = await inspectMesh(request, workspace.ctx(), source);
    expect(result.outputs).toEqual([
      {
        name: 'metadata.json',
        path: join(workspace.workDir, 'metadata.json'),
        contentType: 'application/json',
      },
    ]);
    const text = await readFile(join(workspace.workDir, 'metadata.json'), 'utf8');
    expect(JSON.parse(text)).toEqual(result.metadata);
    expect(text).toBe(`${JSON.stringify(result.metadata, null, 2)}\n`);
    expect(result.metadata).toMatchObject({
      triangles: 12,
      textures: [
        {
          name: 'CesiumLogoFlat',
          mimeType: 'image/png',
          width: 256,
          height: 256,
          gpuBytes: 349525,
        },
      ],
    });
  });
});
