import { Document, type GLTF, type Primitive } from '@gltf-transform/core';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FIXTURES } from '../../../../test/support/fixtures';
import { meshIO } from '../mesh-io';
import { buildRenderScene } from './render-scene';

const GLTF = join(FIXTURES, 'mesh', 'gltf');
const MALFORMED = join(FIXTURES, 'malformed');

async function readGlb(name: string): Promise<Document> {
  return (await meshIO()).readBinary(await readFile(join(GLTF, name)));
}

async function readGltf(folder: string, name: string, bin?: string): Promise<Document> {
  const json = JSON.parse(await readFile(join(folder, name), 'utf8')) as GLTF.IGLTF;
  const resources: Record<string, Uint8Array<ArrayBuffer>> = {};
  if (bin) resources[bin] = new Uint8Array(await readFile(join(folder, bin)));
  return (await meshIO()).readJSON({ json, resources });
}

/** A document with one primitive of `positions` (and `indices`), drawn in `mode`, at one node. */
function singlePrimitive(
  positions: number[],
  mode: number,
  indices?: number[],
): { document: Document; primitive: Primitive } {
  const document = new Document();
  const buffer = document.createBuffer();
  const primitive = document
    .createPrimitive()
    .setMode(mode as GLTF.MeshPrimitiveMode)
    .setAttribute(
      'POSITION',
      document
        .createAccessor()
        .setType('VEC3')
        .setArray(new Float32Array(positions))
        .setBuffer(buffer),
    );
  if (indices) {
    primitive.setIndices(
      document
        .createAccessor()
        .setType('SCALAR')
        .setArray(new Uint32Array(indices))
        .setBuffer(buffer),
    );
  }
  const node = document.createNode().setMesh(document.createMesh().addPrimitive(primitive));
  document.createScene().addChild(node);
  return { document, primitive };
}

const SQUARE = [0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0];

describe('buildRenderScene', () => {
  it('applies node transforms: Box.glb (a unit cube under a node turned 90°) spans ±0.5', async () => {
    const scene = await buildRenderScene(await readGlb('Box.glb'), 'Box.glb');
    expect(scene.triangleCount).toBe(12);
    expect(scene.vertexCount).toBe(24);
    for (let axis = 0; axis < 3; axis++) {
      expect(scene.bounds.min[axis]).toBeCloseTo(-0.5, 5);
      expect(scene.bounds.max[axis]).toBeCloseTo(0.5, 5);
    }
    expect(scene.materials[0].baseColor.map((c) => +c.toFixed(3))).toEqual([0.8, 0, 0, 1]);
    expect(scene.colors).toHaveLength(0); // no COLOR_0
  });

  it('turns normals with their node: the +Y normals of the box face the world +Z after the −90° turn about X… and stay unit length', async () => {
    const scene = await buildRenderScene(await readGlb('Box.glb'), 'Box.glb');
    for (let v = 0; v < scene.vertexCount; v++) {
      const n = scene.normals.subarray(v * 3, v * 3 + 3);
      expect(Math.hypot(n[0], n[1], n[2])).toBeCloseTo(1, 5);
      // Each face normal is an axis: one component ±1, the others 0.
      expect([...n].filter((c) => Math.abs(Math.abs(c) - 1) < 1e-5)).toHaveLength(1);
    }
  });

  it('decodes the base-colour texture of BoxTextured.glb once, at its own 256² size', async () => {
    const scene = await buildRenderScene(await readGlb('BoxTextured.glb'), 'BoxTextured.glb');
    expect(scene.materials).toHaveLength(1);
    expect(scene.materials[0].texture).toMatchObject({ width: 256, height: 256, hasAlpha: false });
    expect(scene.uvs).toHaveLength(scene.vertexCount * 2);
  });

  it('shrinks VET.glb’s 2048² textures to 512² for drawing', async () => {
    const scene = await buildRenderScene(await readGlb('VET.glb'), 'VET.glb');
    expect(scene.triangleCount).toBe(23904 / 3);
    for (const material of scene.materials) {
      if (material.texture) expect(material.texture).toMatchObject({ width: 512, height: 512 });
    }
  });

  it('keeps a skinned model in its bind pose (quad_skin.glb: one quad, scaled 100× by its node), with its vertex colours', async () => {
    const scene = await buildRenderScene(await readGlb('quad_skin.glb'), 'quad_skin.glb');
    expect(scene.triangleCount).toBe(2);
    expect(scene.colors).toHaveLength(scene.vertexCount * 4);
    const size = scene.bounds.max.map((max, axis) => max - scene.bounds.min[axis]);
    expect(Math.max(...size)).toBeGreaterThan(1);
  });

  it('expands a triangle strip and a fan of 4 vertices into 2 triangles each, front faces kept counter-clockwise', async () => {
    for (const mode of [5, 6]) {
      const order = mode === 5 ? [0, 1, 3, 2] : [0, 1, 2, 3];
      const { document } = singlePrimitive(SQUARE, mode, order);
      const scene = await buildRenderScene(document, 'strip');
      expect(scene.triangleCount).toBe(2);
      for (let t = 0; t < 2; t++) {
        const [a, b, c] = scene.indices.subarray(t * 3, t * 3 + 3);
        const p = (i: number) => [scene.positions[i * 3], scene.positions[i * 3 + 1]];
        const [ax, ay] = p(a);
        const [bx, by] = p(b);
        const [cx, cy] = p(c);
        expect((bx - ax) * (cy - ay) - (by - ay) * (cx - ax)).toBeGreaterThan(0); // CCW seen from +Z
      }
    }
  });

  it('gives a primitive without normals flat ones, one vertex per corner', async () => {
    const { document } = singlePrimitive(SQUARE, 4, [0, 1, 2, 0, 2, 3]);
    const scene = await buildRenderScene(document, 'flat');
    expect(scene.vertexCount).toBe(6);
    expect([...scene.normals]).toEqual([0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1]);
  });

  it('turns the winding around under a mirroring node, so front faces stay front faces', async () => {
    const { document } = singlePrimitive(SQUARE, 4, [0, 1, 2, 0, 2, 3]);
    document.getRoot().listNodes()[0].setScale([-1, 1, 1]);
    const scene = await buildRenderScene(document, 'mirrored');
    const [a, b, c] = scene.indices;
    const p = (i: number) => [scene.positions[i * 3], scene.positions[i * 3 + 1]];
    const [ax, ay] = p(a);
    const [bx, by] = p(b);
    const [cx, cy] = p(c);
    expect((bx - ax) * (cy - ay) - (by - ay) * (cx - ax)).toBeGreaterThan(0);
    expect(scene.normals[2]).toBe(1); // flat normal from the mirrored positions, still +Z
  });

  it('skips points and lines: a model of only those has nothing to draw (MESH_EMPTY)', async () => {
    for (const mode of [0, 1, 2, 3]) {
      const { document } = singlePrimitive(SQUARE, mode);
      await expect(buildRenderScene(document, 'lines.glb')).rejects.toMatchObject({
        code: 'MESH_EMPTY',
        message:
          'lines.glb has no triangles to draw (only points or lines, or no mesh in its scene).',
      });
    }
  });

  it('fails with MESH_EMPTY when every triangle has zero area', async () => {
    const { document } = singlePrimitive(
      [0, 0, 0, 1, 1, 1, 2, 2, 2, 5, 5, 5],
      4,
      [0, 1, 2, 3, 3, 3],
    );
    await expect(buildRenderScene(document, 'flat.glb')).rejects.toMatchObject({
      code: 'MESH_EMPTY',
      message: 'flat.glb has nothing to draw: all of its 2 triangles have zero area.',
    });
  });

  it('fails with MESH_EMPTY, naming the mesh, when a position is NaN', async () => {
    const { document } = singlePrimitive([0, 0, 0, 1, 0, 0, NaN, 1, 0], 4);
    document.getRoot().listMeshes()[0].setName('broken');
    await expect(buildRenderScene(document, 'nan.glb')).rejects.toMatchObject({
      code: 'MESH_EMPTY',
      message: expect.stringContaining('nan.glb has no finite bounds: a vertex of mesh "broken"'),
    });
  });

  it('visits each node once: RecursiveNodes.gltf (two nodes each the other’s child) ends, with nothing to draw', async () => {
    const document = await readGltf(MALFORMED, 'RecursiveNodes.gltf');
    await expect(buildRenderScene(document, 'RecursiveNodes.gltf')).rejects.toMatchObject({
      code: 'MESH_EMPTY',
    });
  });

  it('drops triangles whose indices point past the vertices (IndexOutOfRange.gltf) and draws the rest', async () => {
    const document = await readGltf(
      join(MALFORMED, 'IndexOutOfRange'),
      'IndexOutOfRange.gltf',
      'IndexOutOfRange.bin',
    );
    const scene = await buildRenderScene(document, 'IndexOutOfRange.gltf');
    const source = document.getRoot().listMeshes()[0].listPrimitives()[0];
    expect(scene.triangleCount).toBeLessThan(source.getIndices()!.getCount() / 3);
    expect(Math.max(...scene.indices)).toBeLessThan(scene.vertexCount);
  });
});
