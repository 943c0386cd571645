import { MAT4_IDENTITY, multiplyMat4 } from '../mat4';
import {
  Document,
  TextureInfo,
  type Accessor,
  type Material as GltfMaterial,
  type Mesh as GltfMesh,
  type Node as GltfNode,
  type Primitive,
  type Texture as GltfTexture,
} from '@gltf-transform/core';
import { KHRTextureTransform } from '@gltf-transform/extensions';
import type {
  AnimationClip,
  BufferAttribute,
  BufferGeometry,
  InterleavedBufferAttribute,
  KeyframeTrack,
  Material,
  Mesh,
  MeshPhongMaterial,
  MeshStandardMaterial,
  Object3D,
  SkinnedMesh,
  Texture,
} from 'three';
import type { EmbeddableImage } from './texture-files';

/** What a three loader produced: a scene graph and its animation clips. */
export interface ThreeModel {
  root: Object3D;
  animations: readonly AnimationClip[];
}

export interface ThreeToDocumentOptions {
  /** The image of a texture three holds (a loader recorded where it came from); undefined: none. */
  image: (texture: Texture) => Promise<EmbeddableImage | undefined>;
  /** Things dropped on the way are said here. */
  warnings: string[];
}

// three's constants, by value (the loaders' three is not imported here).
const DOUBLE_SIDE = 2;
const REPEAT_WRAPPING = 1000;
const MIRRORED_REPEAT_WRAPPING = 1002;
const INTERPOLATE_DISCRETE = 2300;

type AnyAttribute = BufferAttribute | InterleavedBufferAttribute;

/**
 * Turns a three scene graph into a glTF document: a node per Object3D with its local transform
 * (so the loader's own root rotation and scale for the file's up axis and unit stay in the root),
 * a primitive per geometry group (its material), metallic-roughness materials with base-colour,
 * normal and emissive textures, skins (inverse bind matrices as three binds them) and animation
 * clips (translation/rotation/scale). UVs are flipped: three's v grows up, glTF's down.
 */
export async function threeToDocument(
  model: ThreeModel,
  options: ThreeToDocumentOptions,
): Promise<Document> {
  const converter = new ThreeConverter(options);
  return converter.convert(model);
}

class ThreeConverter {
  private readonly document = new Document();
  private readonly buffer = this.document.createBuffer();
  private readonly nodes = new Map<Object3D, GltfNode>();
  private readonly meshes = new Map<string, GltfMesh>();
  private readonly materials = new Map<string, Promise<GltfMaterial>>();
  private readonly textures = new Map<string, Promise<GltfTexture | undefined>>();
  private readonly images = new Map<EmbeddableImage, GltfTexture>();
  private readonly skinned: SkinnedMesh[] = [];
  private textureTransforms: KHRTextureTransform | undefined;

  constructor(private readonly options: ThreeToDocumentOptions) {}

  async convert(model: ThreeModel): Promise<Document> {
    model.root.updateMatrixWorld(true);
    const scene = this.document.createScene();
    this.document.getRoot().setDefaultScene(scene);
    scene.addChild(await this.node(model.root));
    for (const mesh of this.skinned) this.skin(mesh);
    this.animations(model);
    return this.document;
  }

  private async node(object: Object3D): Promise<GltfNode> {
    const node = this.document
      .createNode(object.name)
      .setTranslation(finiteOr(object.position.toArray(), [0, 0, 0]))
      .setRotation(finiteOr(object.quaternion.toArray(), [0, 0, 0, 1]))
      .setScale(finiteOr(object.scale.toArray(), [1, 1, 1]));
    this.nodes.set(object, node);
    const mesh = object as Mesh;
    if (mesh.isMesh === true && mesh.geometry?.getAttribute('position') !== undefined) {
      const gltfMesh = await this.mesh(mesh);
      if (gltfMesh !== undefined) node.setMesh(gltfMesh);
      if ((object as SkinnedMesh).isSkinnedMesh === true && gltfMesh !== undefined) {
        this.skinned.push(object as SkinnedMesh);
      }
    } else if (
      (object as { isPoints?: boolean }).isPoints === true ||
      (object as { isLine?: boolean }).isLine === true
    ) {
      this.warnOnce('points and lines are not kept, only surfaces');
    }
    for (const child of object.children) node.addChild(await this.node(child));
    return node;
  }

  private async mesh(object: Mesh): Promise<GltfMesh | undefined> {
    const geometry = object.geometry;
    const materials = Array.isArray(object.material) ? object.material : [object.material];
    const skinned = (object as SkinnedMesh).isSkinnedMesh === true;
    const key = `${geometry.uuid}|${materials.map((m) => m?.uuid).join(',')}|${skinned}`;
    const existing = this.meshes.get(key);
    if (existing !== undefined) return existing;

    repairNormals(geometry);
    const position = geometry.getAttribute('position');
    const index = geometry.getIndex();
    const total = index !== null ? index.count : position.count;
    const groups =
      geometry.groups.length > 0 ? geometry.groups : [{ start: 0, count: total, materialIndex: 0 }];
    const mesh = this.document.createMesh(object.name);
    for (const group of groups) {
      const start = Math.max(0, group.start);
      let count = Math.min(group.count, total - start);
      count -= count % 3;
      if (count <= 0) continue;
      const material = materials[group.materialIndex ?? 0] ?? materials[0];
      const primitive = this.primitive(geometry, start, count, groups.length === 1, material);
      if (material !== undefined) primitive.setMaterial(await this.material(material));
      mesh.addPrimitive(primitive);
    }
    if (mesh.listPrimitives().length === 0) {
      mesh.dispose();
      return undefined;
    }
    const influences = object.morphTargetInfluences;
    if (influences !== undefined && mesh.listPrimitives()[0].listTargets().length > 0) {
      mesh.setWeights(Array.from(influences, (w) => (Number.isFinite(w) ? w : 0)));
    }
    this.meshes.set(key, mesh);
    return mesh;
  }

  /** One group's triangles; its vertices compacted unless it is the whole geometry. */
  private primitive(
    geometry: BufferGeometry,
    start: number,
    count: number,
    whole: boolean,
    material: Material | undefined,
  ): Primitive {
    const index = geometry.getIndex();
    const vertexCount = geometry.getAttribute('position').count;
    let order: Int32Array | undefined; // new vertex → old vertex, when compacted
    let indices: Uint32Array | undefined;
    if (!whole || (index !== null && (start !== 0 || count !== index.count))) {
      const remap = new Int32Array(vertexCount).fill(-1);
      const kept: number[] = [];
      indices = new Uint32Array(count);
      for (let i = 0; i < count; i++) {
        const old = index !== null ? index.getX(start + i) : start + i;
        if (remap[old] < 0) {
          remap[old] = kept.length;
          kept.push(old);
        }
        indices[i] = remap[old];
      }
      order = Int32Array.from(kept);
    } else if (index !== null) {
      indices = new Uint32Array(count);
      for (let i = 0; i < count; i++) indices[i] = index.getX(i);
    }
    const n = order?.length ?? vertexCount;
    const primitive = this.document.createPrimitive();
    const attribute = (name: string, floats: Float32Array, type: 'VEC2' | 'VEC3' | 'VEC4') =>
      primitive.setAttribute(name, this.accessor(floats, type));

    attribute('POSITION', readFloats(geometry.getAttribute('position'), 3, order), 'VEC3');
    const normal = geometry.getAttribute('normal');
    if (normal !== undefined) attribute('NORMAL', readFloats(normal, 3, order), 'VEC3');
    const uvNames = ['uv', geometry.getAttribute('uv1') !== undefined ? 'uv1' : 'uv2'];
    uvNames.forEach((name, set) => {
      const uv = geometry.getAttribute(name);
      if (uv === undefined) return;
      const floats = readFloats(uv, 2, order);
      for (let i = 1; i < floats.length; i += 2) floats[i] = 1 - floats[i];
      attribute(`TEXCOORD_${set}`, floats, 'VEC2');
    });
    const color = geometry.getAttribute('color');
    if (color !== undefined && (material as { vertexColors?: boolean })?.vertexColors === true) {
      const size = color.itemSize === 4 ? 4 : 3;
      const floats = readFloats(color, size, order);
      for (let i = 0; i < floats.length; i++) floats[i] = clamp01(floats[i]);
      attribute('COLOR_0', floats, size === 4 ? 'VEC4' : 'VEC3');
    }
    const skinIndex = geometry.getAttribute('skinIndex');
    const skinWeight = geometry.getAttribute('skinWeight');
    if (skinIndex !== undefined && skinWeight !== undefined) {
      const joints = readFloats(skinIndex, 4, order);
      const weights = readFloats(skinWeight, 4, order);
      normaliseWeights(joints, weights);
      primitive.setAttribute('JOINTS_0', this.accessor(Uint16Array.from(joints), 'VEC4'));
      primitive.setAttribute('WEIGHTS_0', this.accessor(weights, 'VEC4'));
    }
    this.morphTargets(geometry, primitive, order);
    if (indices !== undefined) {
      primitive.setIndices(
        this.accessor(n <= 65535 ? Uint16Array.from(indices) : indices, 'SCALAR'),
      );
    }
    return primitive;
  }

  private morphTargets(
    geometry: BufferGeometry,
    primitive: Primitive,
    order: Int32Array | undefined,
  ): void {
    const positions = geometry.morphAttributes.position ?? [];
    const normals = geometry.morphAttributes.normal ?? [];
    if (positions.length === 0) return;
    const base = readFloats(geometry.getAttribute('position'), 3, order);
    const baseNormal =
      normals.length === positions.length && geometry.getAttribute('normal') !== undefined
        ? readFloats(geometry.getAttribute('normal'), 3, order)
        : undefined;
    positions.forEach((attribute, i) => {
      const target = this.document.createPrimitiveTarget(attribute.name);
      const delta = readFloats(attribute, 3, order);
      if (!geometry.morphTargetsRelative)
        for (let k = 0; k < delta.length; k++) delta[k] -= base[k];
      target.setAttribute('POSITION', this.accessor(delta, 'VEC3'));
      if (baseNormal !== undefined) {
        const normalDelta = readFloats(normals[i], 3, order);
        if (!geometry.morphTargetsRelative) {
          for (let k = 0; k < normalDelta.length; k++) normalDelta[k] -= baseNormal[k];
        }
        target.setAttribute('NORMAL', this.accessor(normalDelta, 'VEC3'));
      }
      primitive.addTarget(target);
    });
  }

  private accessor(
    array: Float32Array | Uint16Array | Uint32Array,
    type: 'SCALAR' | 'VEC2' | 'VEC3' | 'VEC4' | 'MAT4',
  ): Accessor {
    return this.document.createAccessor().setType(type).setArray(array).setBuffer(this.buffer);
  }

  private material(material: Material): Promise<GltfMaterial> {
    let gltf = this.materials.get(material.uuid);
    if (gltf === undefined) {
      gltf = this.convertMaterial(material);
      this.materials.set(material.uuid, gltf);
    }
    return gltf;
  }

  private async convertMaterial(material: Material): Promise<GltfMaterial> {
    const standard = material as MeshStandardMaterial;
    const phong = material as MeshPhongMaterial;
    const opacity = clamp01(material.opacity ?? 1);
    const color = standard.color !== undefined ? standard.color.toArray() : [1, 1, 1];
    const gltf = this.document
      .createMaterial(material.name)
      .setBaseColorFactor([...color.map(clamp01), opacity] as [number, number, number, number])
      .setDoubleSided(material.side === DOUBLE_SIDE);
    if (standard.isMeshStandardMaterial === true) {
      gltf
        .setMetallicFactor(clamp01(standard.metalness))
        .setRoughnessFactor(clamp01(standard.roughness));
    } else if (phong.isMeshPhongMaterial === true) {
      // Blinn-Phong exponent to roughness, as for MTL's Ns.
      gltf
        .setMetallicFactor(0)
        .setRoughnessFactor(clamp01(Math.sqrt(2 / (Math.max(0, phong.shininess) + 2))));
    } else {
      gltf.setMetallicFactor(0).setRoughnessFactor(1);
    }
    if (material.transparent && opacity < 1) gltf.setAlphaMode('BLEND');
    else if (material.alphaTest > 0) gltf.setAlphaMode('MASK').setAlphaCutoff(material.alphaTest);

    const map = await this.texture(standard.map);
    if (map !== undefined) {
      gltf.setBaseColorTexture(map);
      this.wrap(gltf.getBaseColorTextureInfo(), standard.map!);
      if (material.transparent && opacity >= 1) gltf.setAlphaMode('BLEND');
    }
    const normalMap = await this.texture(standard.normalMap);
    if (normalMap !== undefined) {
      gltf.setNormalTexture(normalMap).setNormalScale(standard.normalScale?.x ?? 1);
      this.wrap(gltf.getNormalTextureInfo(), standard.normalMap!);
    }
    const emissive = standard.emissive?.toArray() ?? [0, 0, 0];
    const intensity = standard.emissiveIntensity ?? 1;
    const emissiveFactor = emissive.map((value) => clamp01(value * intensity));
    const emissiveMap = await this.texture(standard.emissiveMap);
    if (emissiveMap !== undefined) {
      gltf.setEmissiveTexture(emissiveMap);
      this.wrap(gltf.getEmissiveTextureInfo(), standard.emissiveMap!);
    }
    if (emissiveFactor.some((value) => value > 0)) {
      gltf.setEmissiveFactor(emissiveFactor as [number, number, number]);
    }
    return gltf;
  }

  private wrap(info: TextureInfo | null, texture: Texture): void {
    if (info === null) return;
    const mode = (wrap: number) =>
      wrap === REPEAT_WRAPPING
        ? TextureInfo.WrapMode.REPEAT
        : wrap === MIRRORED_REPEAT_WRAPPING
          ? TextureInfo.WrapMode.MIRRORED_REPEAT
          : TextureInfo.WrapMode.CLAMP_TO_EDGE;
    info.setWrapS(mode(texture.wrapS)).setWrapT(mode(texture.wrapT));
    const [rx, ry] = [texture.repeat.x, texture.repeat.y];
    const [ox, oy] = [texture.offset.x, texture.offset.y];
    if (
      ![rx, ry, ox, oy].every(Number.isFinite) ||
      (rx === 1 && ry === 1 && ox === 0 && oy === 0)
    ) {
      return;
    }
    // three samples at uv × repeat + offset with v up; glTF's v is 1 − three's, so the v offset
    // becomes 1 − repeat − offset.
    this.textureTransforms ??= this.document.createExtension(KHRTextureTransform);
    info.setExtension(
      'KHR_texture_transform',
      this.textureTransforms
        .createTransform()
        .setScale([rx, ry])
        .setOffset([ox, 1 - ry - oy]),
    );
  }

  private texture(texture: Texture | null | undefined): Promise<GltfTexture | undefined> {
    if (texture === null || texture === undefined) return Promise.resolve(undefined);
    let gltf = this.textures.get(texture.uuid);
    if (gltf === undefined) {
      gltf = this.options.image(texture).then((image) => {
        if (image === undefined) return undefined;
        let existing = this.images.get(image);
        if (existing === undefined) {
          existing = this.document
            .createTexture(image.name)
            .setImage(image.bytes)
            .setMimeType(image.mimeType);
          this.images.set(image, existing);
        }
        return existing;
      });
      this.textures.set(texture.uuid, gltf);
    }
    return gltf;
  }

  private skin(mesh: SkinnedMesh): void {
    const node = this.nodes.get(mesh)!;
    const bones = mesh.skeleton?.bones ?? [];
    const joints = bones.map((bone) => this.nodes.get(bone));
    if (bones.length === 0 || joints.some((joint) => joint === undefined)) {
      this.warnOnce('a skin whose bones are not in the scene was dropped');
      for (const primitive of node.getMesh()?.listPrimitives() ?? []) {
        primitive.setAttribute('JOINTS_0', null).setAttribute('WEIGHTS_0', null);
      }
      return;
    }
    // glTF: joint matrix = joint world × IBM. three: bone world × boneInverse × bindMatrix.
    const matrices = new Float32Array(bones.length * 16);
    bones.forEach((_, i) => {
      const inverse = mesh.skeleton.boneInverses[i]?.elements ?? MAT4_IDENTITY;
      matrices.set(multiplyMat4(inverse, mesh.bindMatrix.elements), i * 16);
    });
    const skin = this.document
      .createSkin(mesh.name)
      .setInverseBindMatrices(this.accessor(matrices, 'MAT4'));
    for (const joint of joints) skin.addJoint(joint!);
    node.setSkin(skin);
  }

  private animations(model: ThreeModel): void {
    const byName = new Map<string, Object3D>();
    model.root.traverse((object) => {
      for (const name of [object.uuid, object.name, sanitizeNodeName(object.name)]) {
        if (name !== '' && !byName.has(name)) byName.set(name, object);
      }
    });
    model.animations.forEach((clip, i) => {
      const animation = this.document.createAnimation(clip.name || `animation ${i}`);
      const morphs = new Map<Object3D, Map<number, KeyframeTrack>>();
      for (const track of clip.tracks) this.track(animation, track, byName, morphs);
      for (const [object, tracks] of morphs) this.weights(animation, object, tracks);
      if (animation.listChannels().length === 0) animation.dispose();
    });
  }

  /**
   * three animates each morph target's influence on its own track; glTF animates a mesh's weights
   * together. The tracks are sampled (linearly) at every time any of them has a key.
   */
  private weights(
    animation: ReturnType<Document['createAnimation']>,
    object: Object3D,
    tracks: ReadonlyMap<number, KeyframeTrack>,
  ): void {
    const node = this.nodes.get(object);
    const targets = node?.getMesh()?.listPrimitives()[0]?.listTargets().length ?? 0;
    if (node === undefined || targets === 0) return;
    const times = [...new Set([...tracks.values()].flatMap((track) => Array.from(track.times)))]
      .filter((time) => time >= 0 && Number.isFinite(time))
      .sort((a, b) => a - b);
    if (times.length === 0) return;
    const values = new Float32Array(times.length * targets);
    times.forEach((time, k) => {
      for (const [target, track] of tracks) {
        if (target < targets) values[k * targets + target] = sampleLinear(track, time);
      }
    });
    const sampler = this.document
      .createAnimationSampler()
      .setInput(this.accessor(Float32Array.from(times), 'SCALAR'))
      .setOutput(this.accessor(values, 'SCALAR'))
      .setInterpolation('LINEAR');
    animation
      .addSampler(sampler)
      .addChannel(
        this.document
          .createAnimationChannel()
          .setTargetNode(node)
          .setTargetPath('weights')
          .setSampler(sampler),
      );
  }

  private track(
    animation: ReturnType<Document['createAnimation']>,
    track: KeyframeTrack,
    byName: ReadonlyMap<string, Object3D>,
    morphs: Map<Object3D, Map<number, KeyframeTrack>>,
  ): void {
    const match = /^(.*)\.(position|quaternion|scale|morphTargetInfluences)(\[.*\])?$/.exec(
      track.name,
    );
    if (match === null) return;
    const [, target, property, key] = match;
    const object = byName.get(target) ?? byName.get(target.replace(/^.*\.bones\[(.+)\]$/, '$1'));
    const node = object === undefined ? undefined : this.nodes.get(object);
    if (node === undefined || object === undefined) return;
    if (property === 'morphTargetInfluences') {
      const name = key?.slice(1, -1) ?? '';
      const index = /^\d+$/.test(name)
        ? Number(name)
        : (object as Mesh).morphTargetDictionary?.[name];
      if (index === undefined) {
        this.warnOnce('morph target animations of all targets at once are not kept');
        return;
      }
      let tracks = morphs.get(object);
      if (tracks === undefined) morphs.set(object, (tracks = new Map<number, KeyframeTrack>()));
      tracks.set(index, track);
      return;
    }
    const size = property === 'quaternion' ? 4 : 3;
    const keys = cleanKeys(track.times, track.values, size);
    if (keys === undefined) return;
    if (size === 4) normaliseQuaternions(keys.values);
    const interpolation = track.getInterpolation() === INTERPOLATE_DISCRETE ? 'STEP' : 'LINEAR';
    const sampler = this.document
      .createAnimationSampler()
      .setInput(this.accessor(keys.times, 'SCALAR'))
      .setOutput(this.accessor(keys.values, size === 4 ? 'VEC4' : 'VEC3'))
      .setInterpolation(interpolation);
    const path =
      property === 'position' ? 'translation' : property === 'quaternion' ? 'rotation' : 'scale';
    animation
      .addSampler(sampler)
      .addChannel(
        this.document
          .createAnimationChannel()
          .setTargetNode(node)
          .setTargetPath(path)
          .setSampler(sampler),
      );
  }

  private warnOnce(message: string): void {
    if (!this.options.warnings.includes(message)) this.options.warnings.push(message);
  }
}

/** An attribute's first `size` components per vertex as floats, in `order` when given. */
function readFloats(attribute: AnyAttribute, size: number, order?: Int32Array): Float32Array {
  const n = order?.length ?? attribute.count;
  const out = new Float32Array(n * size);
  const direct =
    (attribute as BufferAttribute).isBufferAttribute === true &&
    !attribute.normalized &&
    attribute.itemSize === size
      ? (attribute.array as ArrayLike<number>)
      : undefined;
  if (direct !== undefined && order === undefined) {
    for (let i = 0; i < out.length; i++) out[i] = direct[i];
    return out;
  }
  const components = Math.min(size, attribute.itemSize);
  for (let k = 0; k < n; k++) {
    const i = order !== undefined ? order[k] : k;
    if (direct !== undefined) {
      for (let c = 0; c < size; c++) out[k * size + c] = direct[i * size + c];
      continue;
    }
    for (let c = 0; c < components; c++) out[k * size + c] = attribute.getComponent(i, c);
  }
  return out;
}

/** Normals three computes when the file's are missing, zero or not finite (STL writers leave zeros). */
function repairNormals(geometry: BufferGeometry): void {
  const normal = geometry.getAttribute('normal');
  if (normal !== undefined) {
    let bad = false;
    for (let i = 0; i < normal.count && !bad; i++) {
      const length = Math.hypot(normal.getX(i), normal.getY(i), normal.getZ(i));
      bad = !(length > 1e-12 && Number.isFinite(length));
    }
    if (!bad) {
      normaliseNormals(geometry);
      return;
    }
  }
  geometry.computeVertexNormals();
  normaliseNormals(geometry);
}

/** Unit length, as glTF requires; a vertex only on degenerate triangles gets +Y. */
function normaliseNormals(geometry: BufferGeometry): void {
  const normal = geometry.getAttribute('normal');
  for (let i = 0; i < normal.count; i++) {
    const x = normal.getX(i);
    const y = normal.getY(i);
    const z = normal.getZ(i);
    const length = Math.hypot(x, y, z);
    if (length > 1e-12 && Number.isFinite(length))
      normal.setXYZ(i, x / length, y / length, z / length);
    else normal.setXYZ(i, 0, 1, 0);
  }
}

/** Weights summing to one, joints of zero weights set to 0, as the glTF validator asks. */
function normaliseWeights(joints: Float32Array, weights: Float32Array): void {
  for (let v = 0; v < weights.length; v += 4) {
    let sum = 0;
    for (let c = 0; c < 4; c++) {
      const w = weights[v + c];
      if (!(w > 0) || !Number.isFinite(w)) weights[v + c] = 0;
      sum += weights[v + c];
    }
    if (sum <= 0) {
      weights.set([1, 0, 0, 0], v);
      sum = 1;
    }
    for (let c = 0; c < 4; c++) {
      weights[v + c] /= sum;
      if (weights[v + c] === 0) joints[v + c] = 0;
    }
  }
}

/** A one-value track's value at `time`: linear between keys, held before the first and after the last. */
function sampleLinear(track: KeyframeTrack, time: number): number {
  const { times, values } = track;
  if (times.length === 0) return 0;
  if (time <= times[0]) return values[0];
  for (let i = 1; i < times.length; i++) {
    if (time <= times[i]) {
      const span = times[i] - times[i - 1];
      const t = span > 0 ? (time - times[i - 1]) / span : 1;
      return values[i - 1] + (values[i] - values[i - 1]) * t;
    }
  }
  return values[times.length - 1];
}

/** Keys with finite values at strictly increasing, non-negative times (what glTF accepts). */
function cleanKeys(
  times: ArrayLike<number>,
  values: ArrayLike<number>,
  size: number,
): { times: Float32Array; values: Float32Array } | undefined {
  const keptTimes: number[] = [];
  const keptValues: number[] = [];
  let previous = -Infinity;
  for (let i = 0; i < times.length; i++) {
    const t = Math.fround(times[i]);
    if (!(t >= 0) || t <= previous) continue;
    const value = Array.from({ length: size }, (_, c) => values[i * size + c]);
    if (!value.every(Number.isFinite)) continue;
    keptTimes.push(t);
    keptValues.push(...value);
    previous = t;
  }
  if (keptTimes.length === 0) return undefined;
  return { times: Float32Array.from(keptTimes), values: Float32Array.from(keptValues) };
}

function normaliseQuaternions(values: Float32Array): void {
  for (let i = 0; i < values.length; i += 4) {
    const length = Math.hypot(values[i], values[i + 1], values[i + 2], values[i + 3]);
    if (length > 0) for (let c = 0; c < 4; c++) values[i + c] /= length;
    else values.set([0, 0, 0, 1], i);
  }
}

/** three's PropertyBinding.sanitizeNodeName: the names FBXLoader writes into track names. */
function sanitizeNodeName(name: string): string {
  return name.replace(/\s/g, '_').replace(/[[\]./:]/g, '');
}

function finiteOr<T extends number[]>(values: number[], fallback: T): T {
  return (values.every(Number.isFinite) ? values : fallback) as T;
}

function clamp01(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}

/** Triangles of every primitive of a document (a mesh counted once per use is not wanted here). */
export function countTriangles(document: Document): number {
  let triangles = 0;
  for (const mesh of document.getRoot().listMeshes()) {
    for (const primitive of mesh.listPrimitives()) {
      const count =
        primitive.getIndices()?.getCount() ?? primitive.getAttribute('POSITION')?.getCount() ?? 0;
      triangles += Math.floor(count / 3);
    }
  }
  return triangles;
}
