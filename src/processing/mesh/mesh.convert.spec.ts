import { Document } from '@gltf-transform/core';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { validateBytes } from 'gltf-validator';
import sharp from 'sharp';
import { FIXTURES } from '../../../test/support/fixtures';
import { useStepWorkspace } from '../../../test/support/step-workspace';
import { ProcessingError } from '../processing.error';
import { loadGltf } from './load/gltf.load';
import type { MeshSource } from './load/mesh-source.types';
import { meshIO } from './mesh-io';
import { buildModelGlb, convertMesh } from './mesh.convert';
import { describeMesh } from './mesh.inspect';

const GLTF = join(FIXTURES, 'mesh/gltf');
// gltf-transform lives in Node's realm (see jest.config.js), where jest's typed arrays are other classes.

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

const quiet = { progress: () => undefined, signal: new AbortController().signal };

/** One triangle (or `mode` primitive) with a base-colour texture of `image`, as a loader would hand it over. */
function triangleSource(image?: Uint8Array, mimeType = 'image/png', mode = 4): MeshSource {
  const document = new Document();
  const buffer = document.createBuffer();
  const positions = document
    .createAccessor()
    .setType('VEC3')
    .setArray(new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]))
    .setBuffer(buffer);
  const uvs = document
    .createAccessor()
    .setType('VEC2')
    .setArray(new Float32Array([0, 0, 1, 0, 0, 1]))
    .setBuffer(buffer);
  const material = document.createMaterial('paint');
  if (image) {
    material.setBaseColorTexture(
      document.createTexture('paint').setImage(new Uint8Array(image)).setMimeType(mimeType),
    );
  }
  const primitive = document
    .createPrimitive()
    .setMode(mode as 4)
    .setAttribute('POSITION', positions)
    .setAttribute('TEXCOORD_0', uvs)
    .setMaterial(material);
  document
    .createScene()
    .addChild(document.createNode().setMesh(document.createMesh().addPrimitive(primitive)));
  return { document, format: 'obj', warnings: [] };
}

describe('buildModelGlb', () => {
  it.each([
    ['Box.glb', { triangles: 12, textures: 0, animations: 0, skins: 0, morphTargets: 0 }],
    ['BoxTextured.glb', { triangles: 12, textures: 1, animations: 0, skins: 0, morphTargets: 0 }],
    ['VET.glb', { triangles: 7968, textures: 2, animations: 0, skins: 0, morphTargets: 0 }],
    ['book f.glb', { triangles: 5754, textures: 0, animations: 0, skins: 0, morphTargets: 0 }],
    ['quad_skin.glb', { triangles: 2, textures: 0, animations: 0, skins: 1, morphTargets: 0 }],
    [
      'AnimatedMorphCube/AnimatedMorphCube.gltf',
      { triangles: 12, textures: 0, animations: 1, skins: 0, morphTargets: 2 },
    ],
    [
      'TextureTransform/TextureTransformTest.gltf',
      { triangles: 18, textures: 5, animations: 0, skins: 0, morphTargets: 0 },
    ],
  ])(
    'makes a validator-clean, uncompressed one-buffer GLB of %s keeping its triangles, textures, skins, animations and morph targets',
    async (name, expected) => {
      const { glb, warnings } = await buildModelGlb(await load(name), quiet.progress, quiet.signal);
      expect(warnings).toEqual([]);
      const report = await validateBytes(glb, {
        format: 'glb',
        maxIssues: 100,
        writeTimestamp: false,
      });
      expect(report.issues.messages.filter((m) => m.severity === 0)).toEqual([]);
      expect(report.info?.totalTriangleCount).toBe(expected.triangles);

      const again = await (await meshIO()).readBinary(glb);
      const metadata = describeMesh({ document: again, format: 'glb', warnings: [] });
      expect({
        triangles: metadata.triangles,
        textures: metadata.textures.length,
        animations: metadata.animations.length,
        skins: metadata.skins.length,
        morphTargets: metadata.morphTargets,
      }).toEqual(expected);
      expect(again.getRoot().listBuffers()).toHaveLength(1);
      const used = again
        .getRoot()
        .listExtensionsUsed()
        .map((e) => e.extensionName);
      expect(used).not.toContain('KHR_draco_mesh_compression');
      expect(used).not.toContain('EXT_meshopt_compression');
      expect(
        metadata.textures.every((t) => t.mimeType === 'image/png' || t.mimeType === 'image/jpeg'),
      ).toBe(true);
    },
  );

  it('keeps KHR_texture_transform and KHR_materials_* extensions', async () => {
    const transform = await buildModelGlb(
      await load('TextureTransform/TextureTransformTest.gltf'),
      quiet.progress,
      quiet.signal,
    );
    const vet = await buildModelGlb(await load('VET.glb'), quiet.progress, quiet.signal);
    const io = await meshIO();
    const names = async (glb: Uint8Array) =>
      (await io.readBinary(glb))
        .getRoot()
        .listExtensionsUsed()
        .map((e) => e.extensionName)
        .sort();
    expect(await names(transform.glb)).toEqual(['KHR_texture_transform']);
    expect(await names(vet.glb)).toEqual(['KHR_materials_ior', 'KHR_materials_specular']);
  });

  it('turns a WebP texture into PNG of the same size', async () => {
    const webp = await sharp({
      create: { width: 8, height: 4, channels: 3, background: '#c04020' },
    })
      .webp()
      .toBuffer();
    const { glb, warnings } = await buildModelGlb(
      triangleSource(webp, 'image/webp'),
      quiet.progress,
      quiet.signal,
    );
    expect(warnings).toEqual([]);
    const [texture] = (await (await meshIO()).readBinary(glb)).getRoot().listTextures();
    expect(texture.getMimeType()).toBe('image/png');
    expect(await sharp(texture.getImage() ?? new Uint8Array()).metadata()).toMatchObject({
      format: 'png',
      width: 8,
      height: 4,
    });
  });

  it('corrects a JPEG declared as PNG to its real type', async () => {
    const jpeg = await sharp({
      create: { width: 4, height: 4, channels: 3, background: '#208040' },
    })
      .jpeg()
      .toBuffer();
    const { glb } = await buildModelGlb(
      triangleSource(jpeg, 'image/png'),
      quiet.progress,
      quiet.signal,
    );
    const [texture] = (await (await meshIO()).readBinary(glb)).getRoot().listTextures();
    expect(texture.getMimeType()).toBe('image/jpeg');
  });

  it('leaves out a texture that is not an image, with a warning, and still makes the GLB', async () => {
    const { glb, warnings } = await buildModelGlb(
      triangleSource(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 'image/ktx2'),
      quiet.progress,
      quiet.signal,
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^The texture "paint" \(image\/ktx2\) could not be decoded \(.+\); it was left out\.$/,
    );
    expect((await (await meshIO()).readBinary(glb)).getRoot().listTextures()).toEqual([]);
  });

  it.each([
    [0, 'The model has no triangles'],
    [1, 'The model has no triangles'],
  ])('fails a model of mode %s primitives only as MESH_EMPTY', async (mode, says) => {
    const error: unknown = await buildModelGlb(
      triangleSource(undefined, 'image/png', mode),
      quiet.progress,
      quiet.signal,
    ).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ProcessingError);
    expect(error).toMatchObject({ code: 'MESH_EMPTY' });
    expect((error as Error).message).toContain(says);
  });

  it('reads a GLB whose normals are not unit length (an error to the validator) and writes them rescaled, with a warning', async () => {
    const source = triangleSource();
    const primitive = source.document.getRoot().listMeshes()[0].listPrimitives()[0];
    primitive.setAttribute(
      'NORMAL',
      source.document
        .createAccessor()
        .setType('VEC3')
        .setArray(new Float32Array([0, 0, 0.9, 0, 0, 1.1, 0, 0, 1]))
        .setBuffer(source.document.getRoot().listBuffers()[0]),
    );
    const input = await (await meshIO()).writeBinary(source.document);
    const before = await validateBytes(input);
    expect(before.issues.messages.map((m) => m.code)).toContain('ACCESSOR_VECTOR3_NON_UNIT');

    const dir = await mkdtemp(join(tmpdir(), 'kiln-non-unit-'));
    try {
      await writeFile(join(dir, 'bent.glb'), input);
      const loaded = await loadGltf({
        inputDir: dir,
        primary: 'bent.glb',
        format: 'glb',
        ...quiet,
      });
      const { glb, warnings } = await buildModelGlb(loaded, quiet.progress, quiet.signal);
      expect(warnings).toEqual([
        '1 accessor of normals, tangents or rotations held vectors that were not unit length; they were rescaled.',
      ]);
      expect((await validateBytes(glb)).issues.numErrors).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails a model whose positions are NaN as MESH_EMPTY', async () => {
    const source = triangleSource();
    const [primitive] = source.document.getRoot().listMeshes()[0].listPrimitives();
    primitive.getAttribute('POSITION')?.setArray(new Float32Array([0, 0, 0, NaN, 0, 0, 0, 1, 0]));
    await expect(buildModelGlb(source, quiet.progress, quiet.signal)).rejects.toMatchObject({
      code: 'MESH_EMPTY',
    });
  });
});

describe('convertMesh', () => {
  const workspace = useStepWorkspace('kiln-mesh-convert-');

  it('writes model.glb and reports its progress up to 1', async () => {
    const request = {
      ...workspace.folders(join(GLTF, 'Box.glb')),
      kind: 'mesh' as const,
      step: 'convert' as const,
      options: {},
    };
    const result = await convertMesh(request, workspace.ctx(), await load('Box.glb'));
    expect(result).toEqual({
      outputs: [
        {
          name: 'model.glb',
          path: join(workspace.workDir, 'model.glb'),
          contentType: 'model/gltf-binary',
        },
      ],
    });
    const glb = await readFile(join(workspace.workDir, 'model.glb'));
    expect(glb.subarray(0, 4).toString('latin1')).toBe('glTF');
    expect(workspace.progress[workspace.progress.length - 1]).toBe(1);
    expect([...workspace.progress].sort((a, b) => a - b)).toEqual(workspace.progress);
  });
});
