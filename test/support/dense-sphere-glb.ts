import { Document } from '@gltf-transform/core';
import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { meshIO } from '../../src/processing/mesh/mesh-io';

/**
 * Writes a bumpy UV sphere of about `triangles` triangles (indexed, with normals and texture
 * coordinates, a 256² checker texture) as a plain GLB: the dense model render's speed and the
 * turntable's simplification are measured on (1M triangles ≈ 30 MB).
 *
 * @returns the exact triangle count.
 */
export async function writeDenseSphereGlb(path: string, triangles: number): Promise<number> {
  // A grid of n × n quads, two triangles each, wrapped around the sphere.
  const n = Math.max(2, Math.round(Math.sqrt(triangles / 2)));
  const rows = n + 1;
  const columns = n + 1;
  const positions = new Float32Array(rows * columns * 3);
  const normals = new Float32Array(rows * columns * 3);
  const uvs = new Float32Array(rows * columns * 2);
  for (let r = 0; r < rows; r++) {
    const theta = (Math.PI * r) / n;
    for (let c = 0; c < columns; c++) {
      const phi = (2 * Math.PI * c) / n;
      const v = r * columns + c;
      const x = Math.sin(theta) * Math.cos(phi);
      const y = Math.cos(theta);
      const z = Math.sin(theta) * Math.sin(phi);
      const bump = 1 + 0.04 * Math.sin(12 * theta) * Math.sin(12 * phi);
      positions.set([x * bump, y * bump, z * bump], v * 3);
      normals.set([x, y, z], v * 3);
      uvs.set([c / n, r / n], v * 2);
    }
  }
  const indices = new Uint32Array(n * n * 6);
  let i = 0;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const a = r * columns + c;
      const b = a + columns;
      // Counter-clockwise seen from outside.
      indices.set([a, a + 1, b, a + 1, b + 1, b], i);
      i += 6;
    }
  }

  const checker = Buffer.alloc(256 * 256 * 3);
  for (let p = 0; p < 256 * 256; p++) {
    const on = (((p % 256) >> 5) + ((p >> 8) >> 5)) % 2 === 0;
    checker.set(on ? [230, 120, 40] : [240, 235, 220], p * 3);
  }
  const png = await sharp(checker, { raw: { width: 256, height: 256, channels: 3 } })
    .png()
    .toBuffer();

  const document = new Document();
  const buffer = document.createBuffer();
  const texture = document.createTexture('checker').setMimeType('image/png').setImage(png);
  const material = document.createMaterial('checker').setBaseColorTexture(texture);
  const primitive = document
    .createPrimitive()
    .setIndices(document.createAccessor().setType('SCALAR').setArray(indices).setBuffer(buffer))
    .setAttribute(
      'POSITION',
      document.createAccessor().setType('VEC3').setArray(positions).setBuffer(buffer),
    )
    .setAttribute(
      'NORMAL',
      document.createAccessor().setType('VEC3').setArray(normals).setBuffer(buffer),
    )
    .setAttribute(
      'TEXCOORD_0',
      document.createAccessor().setType('VEC2').setArray(uvs).setBuffer(buffer),
    )
    .setMaterial(material);
  const mesh = document.createMesh('sphere').addPrimitive(primitive);
  const node = document.createNode('sphere').setMesh(mesh);
  document.createScene().addChild(node);
  await writeFile(path, await (await meshIO()).writeBinary(document));
  return indices.length / 3;
}
