import { Document, type Material, type Texture } from '@gltf-transform/core';
import type { ObjData, ObjPrimitive } from './obj-parse';
import { shininessToRoughness, type MtlMaterial } from './mtl-parse';
import type { EmbeddableImage } from './texture-files';

/** The textures of the MTL materials an OBJ uses, read already (undefined: missing, warned). */
export interface ObjMaterialImages {
  diffuse?: EmbeddableImage;
  normal?: EmbeddableImage;
  emissive?: EmbeddableImage;
}

export interface ObjMaterialSource {
  mtl: MtlMaterial;
  images: ObjMaterialImages;
}

/**
 * Builds the glTF document of a parsed OBJ: a node and mesh per object/group, a primitive per
 * material in it, vertices written straight from the parsed indices into typed arrays. UVs are
 * flipped (OBJ's v grows up, glTF's down); missing normals are computed (area-weighted); vertex
 * colours and MTL colours are sRGB in the file, linear in glTF.
 *
 * @param materials by `usemtl` name; a primitive whose name is absent gets the default material.
 */
export function objToDocument(
  data: ObjData,
  materials: ReadonlyMap<string, ObjMaterialSource>,
): Document {
  const document = new Document();
  const buffer = document.createBuffer();
  const scene = document.createScene();
  document.getRoot().setDefaultScene(scene);

  const attributes = data.primitives.map((primitive) => allocate(primitive, data));
  fillVertices(data, attributes);

  const gltfMaterials = new Map<string, Material>();
  const textures = new Map<EmbeddableImage, Texture>();
  const textureOf = (image: EmbeddableImage): Texture => {
    let texture = textures.get(image);
    if (texture === undefined) {
      texture = document
        .createTexture(image.name)
        .setImage(image.bytes)
        .setMimeType(image.mimeType);
      textures.set(image, texture);
    }
    return texture;
  };
  const materialFor = (name: string | undefined): Material => {
    const source = name === undefined ? undefined : materials.get(name);
    const key = source === undefined ? '\u0000default' : source.mtl.name;
    let material = gltfMaterials.get(key);
    if (material === undefined) {
      material =
        source === undefined
          ? document.createMaterial('default').setMetallicFactor(0).setRoughnessFactor(1)
          : mtlMaterial(document, source, textureOf);
      gltfMaterials.set(key, material);
    }
    return material;
  };

  const meshes = data.objects.map((name) => document.createMesh(name));
  data.primitives.forEach((primitive, i) => {
    const { position, normal, uv, color } = attributes[i];
    const gltf = document
      .createPrimitive()
      .setMaterial(materialFor(primitive.material))
      .setAttribute(
        'POSITION',
        document.createAccessor().setType('VEC3').setArray(position).setBuffer(buffer),
      )
      .setAttribute(
        'NORMAL',
        document.createAccessor().setType('VEC3').setArray(normal).setBuffer(buffer),
      )
      .setIndices(
        document
          .createAccessor()
          .setType('SCALAR')
          .setArray(
            primitive.vertexCount <= 65535 ? new Uint16Array(primitive.indices) : primitive.indices,
          )
          .setBuffer(buffer),
      );
    if (uv !== undefined) {
      gltf.setAttribute(
        'TEXCOORD_0',
        document.createAccessor().setType('VEC2').setArray(uv).setBuffer(buffer),
      );
    }
    if (color !== undefined) {
      gltf.setAttribute(
        'COLOR_0',
        document.createAccessor().setType('VEC3').setArray(color).setBuffer(buffer),
      );
    }
    meshes[primitive.object].addPrimitive(gltf);
  });
  data.objects.forEach((name, i) => {
    if (meshes[i].listPrimitives().length === 0) {
      meshes[i].dispose();
      return;
    }
    scene.addChild(document.createNode(name).setMesh(meshes[i]));
  });
  return document;
}

interface PrimitiveArrays {
  position: Float32Array;
  normal: Float32Array;
  uv: Float32Array | undefined;
  color: Float32Array | undefined;
}

function allocate(primitive: ObjPrimitive, data: ObjData): PrimitiveArrays {
  const n = primitive.vertexCount;
  return {
    position: new Float32Array(n * 3),
    normal: new Float32Array(n * 3),
    uv: primitive.hasUv ? new Float32Array(n * 2) : undefined,
    color: data.colors !== undefined ? new Float32Array(n * 3) : undefined,
  };
}

function fillVertices(data: ObjData, arrays: PrimitiveArrays[]): void {
  const { positions, uvs, normals, colors } = data;
  const { v, vt, vn, primitive, local } = data.vertex;
  const missingNormals = arrays.map(() => false);
  for (let id = 0; id < data.vertexCount; id++) {
    const out = arrays[primitive[id]];
    const at = local[id];
    const p = v[id] * 3;
    out.position[at * 3] = positions[p];
    out.position[at * 3 + 1] = positions[p + 1];
    out.position[at * 3 + 2] = positions[p + 2];
    if (out.color !== undefined && colors !== undefined) {
      out.color[at * 3] = srgbToLinear(colors[p]);
      out.color[at * 3 + 1] = srgbToLinear(colors[p + 1]);
      out.color[at * 3 + 2] = srgbToLinear(colors[p + 2]);
    }
    if (out.uv !== undefined && vt[id] >= 0) {
      out.uv[at * 2] = uvs[vt[id] * 2];
      out.uv[at * 2 + 1] = 1 - uvs[vt[id] * 2 + 1];
    }
    const n = vn[id] * 3;
    const length = n >= 0 ? Math.hypot(normals[n], normals[n + 1], normals[n + 2]) : 0;
    if (length > 0 && Number.isFinite(length)) {
      out.normal[at * 3] = normals[n] / length;
      out.normal[at * 3 + 1] = normals[n + 1] / length;
      out.normal[at * 3 + 2] = normals[n + 2] / length;
    } else {
      missingNormals[primitive[id]] = true;
    }
  }
  data.primitives.forEach((entry, i) => {
    if (missingNormals[i]) fillMissingNormals(arrays[i], entry.indices);
  });
}

/** Area-weighted face normals for the vertices the file gave none (or a zero one). */
function fillMissingNormals(arrays: PrimitiveArrays, indices: Uint32Array): void {
  const { position, normal } = arrays;
  const missing = new Uint8Array(normal.length / 3);
  for (let i = 0; i < missing.length; i++) {
    missing[i] = normal[i * 3] === 0 && normal[i * 3 + 1] === 0 && normal[i * 3 + 2] === 0 ? 1 : 0;
  }
  for (let t = 0; t < indices.length; t += 3) {
    const a = indices[t] * 3;
    const b = indices[t + 1] * 3;
    const c = indices[t + 2] * 3;
    const ux = position[b] - position[a];
    const uy = position[b + 1] - position[a + 1];
    const uz = position[b + 2] - position[a + 2];
    const vx = position[c] - position[a];
    const vy = position[c + 1] - position[a + 1];
    const vz = position[c + 2] - position[a + 2];
    const nx = uy * vz - uz * vy;
    const ny = uz * vx - ux * vz;
    const nz = ux * vy - uy * vx;
    for (const corner of [a, b, c]) {
      if (missing[corner / 3] === 0) continue;
      normal[corner] += nx;
      normal[corner + 1] += ny;
      normal[corner + 2] += nz;
    }
  }
  for (let i = 0; i < missing.length; i++) {
    if (missing[i] === 0) continue;
    const length = Math.hypot(normal[i * 3], normal[i * 3 + 1], normal[i * 3 + 2]);
    if (length > 0 && Number.isFinite(length)) {
      normal[i * 3] /= length;
      normal[i * 3 + 1] /= length;
      normal[i * 3 + 2] /= length;
    } else {
      // A vertex only on degenerate triangles: any unit vector keeps the glTF valid.
      normal[i * 3] = 0;
      normal[i * 3 + 1] = 1;
      normal[i * 3 + 2] = 0;
    }
  }
}

function mtlMaterial(
  document: Document,
  { mtl, images }: ObjMaterialSource,
  textureOf: (image: EmbeddableImage) => Texture,
): Material {
  const [r, g, b] = mtl.diffuse ?? [1, 1, 1];
  const opacity = mtl.opacity ?? 1;
  const material = document
    .createMaterial(mtl.name)
    .setBaseColorFactor([srgbToLinear(r), srgbToLinear(g), srgbToLinear(b), opacity])
    .setMetallicFactor(0)
    .setRoughnessFactor(mtl.shininess === undefined ? 1 : shininessToRoughness(mtl.shininess));
  if (opacity < 1) material.setAlphaMode('BLEND');
  if (images.diffuse !== undefined) material.setBaseColorTexture(textureOf(images.diffuse));
  if (images.normal !== undefined) material.setNormalTexture(textureOf(images.normal));
  if (mtl.emissive !== undefined && mtl.emissive.some((value) => value > 0)) {
    material.setEmissiveFactor(mtl.emissive.map(srgbToLinear) as [number, number, number]);
  }
  if (images.emissive !== undefined) {
    material.setEmissiveTexture(textureOf(images.emissive));
    if (mtl.emissive === undefined) material.setEmissiveFactor([1, 1, 1]);
  }
  return material;
}

/** sRGB-encoded 0-1 to linear, as three's loaders convert colours they read. */
export function srgbToLinear(value: number): number {
  return value < 0.04045
    ? value * 0.0773993808
    : Math.pow(value * 0.9478672986 + 0.0521327014, 2.4);
}
