import type { Accessor } from '@gltf-transform/core';
import type { Transform } from '@gltf-transform/extensions';
import type { BufferGeometry } from 'three';
import { meshIO } from '../mesh-io';
import { threeModule, TEXTURE_SOURCE } from './node-shims';
import { countTriangles, threeToDocument } from './three-to-document';
import type { EmbeddableImage } from './texture-files';

// gltf-validator ships no types; this is the one call the spec makes.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { validateBytes } = require('gltf-validator') as {
  validateBytes(bytes: Uint8Array): Promise<{ issues: { numErrors: number } }>;
};

const three = threeModule();
const PNG: EmbeddableImage = {
  bytes: new Uint8Array([0x89, 0x50]),
  mimeType: 'image/png',
  name: 'a.png',
};

/** An accessor's numbers, element after element. */
function values(accessor: Accessor | null): number[] {
  const out: number[] = [];
  for (let i = 0; i < accessor!.getCount(); i++) out.push(...accessor!.getElement(i, []));
  return out;
}

/** A quad (two triangles) in the XY plane, indexed, with UVs. */
function quad(): BufferGeometry {
  const geometry = new three.BufferGeometry();
  geometry.setAttribute(
    'position',
    new three.Float32BufferAttribute([0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0], 3),
  );
  geometry.setAttribute('uv', new three.Float32BufferAttribute([0, 0, 1, 0, 1, 1, 0, 1], 2));
  geometry.setIndex([0, 1, 2, 0, 2, 3]);
  return geometry;
}

describe('threeToDocument', () => {
  it('makes a primitive per geometry group with only its vertices, UVs flipped, normals computed', async () => {
    const geometry = quad();
    geometry.addGroup(0, 3, 0);
    geometry.addGroup(3, 3, 1);
    const red = new three.MeshStandardMaterial({
      color: 0xff0000,
      roughness: 0.25,
      metalness: 0.5,
    });
    const phong = new three.MeshPhongMaterial({ shininess: 30, side: three.DoubleSide });
    const mesh = new three.Mesh(geometry, [red, phong]);
    mesh.position.set(1, 2, 3);
    const root = new three.Group();
    root.add(mesh);
    const document = await threeToDocument(
      { root, animations: [] },
      { image: () => Promise.resolve(undefined), warnings: [] },
    );

    const [node] = document.getRoot().listScenes()[0].listChildren()[0].listChildren();
    expect(node.getTranslation()).toEqual([1, 2, 3]);
    const primitives = node.getMesh()!.listPrimitives();
    expect(primitives.map((p) => values(p.getIndices()))).toEqual([
      [0, 1, 2],
      [0, 1, 2],
    ]);
    expect(values(primitives[1].getAttribute('POSITION'))).toEqual([0, 0, 0, 1, 1, 0, 0, 1, 0]);
    expect(values(primitives[0].getAttribute('TEXCOORD_0'))).toEqual([0, 1, 1, 1, 1, 0]);
    expect(primitives[0].getAttribute('NORMAL')!.getElement(0, [])).toEqual([0, 0, 1]);
    const [first, second] = primitives.map((p) => p.getMaterial()!);
    expect([
      first.getBaseColorFactor(),
      first.getRoughnessFactor(),
      first.getMetallicFactor(),
    ]).toEqual([[1, 0, 0, 1], 0.25, 0.5]);
    expect([second.getRoughnessFactor(), second.getDoubleSided()]).toEqual([
      Math.sqrt(2 / 32),
      true,
    ]);
    expect(countTriangles(document)).toBe(2);
  });

  it('embeds a texture once, with its wrap and its repeat/offset as KHR_texture_transform', async () => {
    const texture = new three.Texture();
    texture.userData[TEXTURE_SOURCE] = 'a.png';
    texture.wrapS = three.RepeatWrapping;
    texture.wrapT = three.ClampToEdgeWrapping;
    texture.repeat.set(2, 4);
    texture.offset.set(0.5, 0.25);
    const material = new three.MeshPhongMaterial({ map: texture, normalMap: texture });
    const root = new three.Group();
    root.add(new three.Mesh(quad(), material));
    const asked: string[] = [];
    const document = await threeToDocument(
      { root, animations: [] },
      {
        image: (t) => {
          asked.push(t.userData[TEXTURE_SOURCE] as string);
          return Promise.resolve(PNG);
        },
        warnings: [],
      },
    );
    expect(asked).toEqual(['a.png']);
    const [gltfMaterial] = document.getRoot().listMaterials();
    expect(document.getRoot().listTextures()).toHaveLength(1);
    expect(gltfMaterial.getNormalTexture()).toBe(gltfMaterial.getBaseColorTexture());
    const info = gltfMaterial.getBaseColorTextureInfo()!;
    expect([info.getWrapS(), info.getWrapT()]).toEqual([10497, 33071]);
    const transform = info.getExtension<Transform>('KHR_texture_transform')!;
    expect([transform.getScale(), transform.getOffset()]).toEqual([
      [2, 4],
      [0.5, 1 - 4 - 0.25],
    ]);
  });

  it('keeps a skin (inverse bind matrices as three binds) and an animation of its bone', async () => {
    const bone = new three.Bone();
    bone.name = 'hip';
    bone.position.set(0, 1, 0);
    const geometry = quad();
    geometry.setAttribute('skinIndex', new three.Uint16BufferAttribute(new Array(16).fill(0), 4));
    geometry.setAttribute(
      'skinWeight',
      new three.Float32BufferAttribute([0.5, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0], 4),
    );
    const mesh = new three.SkinnedMesh(geometry, new three.MeshStandardMaterial());
    const root = new three.Group();
    root.add(bone, mesh);
    root.updateMatrixWorld(true);
    mesh.bind(new three.Skeleton([bone]));
    const clip = new three.AnimationClip('wave', 1, [
      new three.VectorKeyframeTrack(
        'hip.position',
        [0, 0.5, 0.5, 1],
        [0, 1, 0, 0, 2, 0, 0, 3, 0, 0, 4, 0],
      ),
      new three.QuaternionKeyframeTrack('hip.quaternion', [0, 1], [0, 0, 0, 2, 0, 0, 0, 1]),
    ]);
    const document = await threeToDocument(
      { root, animations: [clip] },
      { image: () => Promise.resolve(undefined), warnings: [] },
    );

    const [skin] = document.getRoot().listSkins();
    expect(skin.listJoints().map((joint) => joint.getName())).toEqual(['hip']);
    // The bone sits at y = 1: its inverse moves y by −1.
    expect(values(skin.getInverseBindMatrices()).slice(12, 16)).toEqual([0, -1, 0, 1]);
    const weights = document
      .getRoot()
      .listMeshes()[0]
      .listPrimitives()[0]
      .getAttribute('WEIGHTS_0')!;
    expect(weights.getElement(0, [])).toEqual([1, 0, 0, 0]); // normalised
    expect(weights.getElement(3, [])).toEqual([1, 0, 0, 0]); // no weight: all on joint 0

    const [animation] = document.getRoot().listAnimations();
    expect(animation.getName()).toBe('wave');
    const channels = animation
      .listChannels()
      .map((channel) => [
        channel.getTargetPath(),
        values(channel.getSampler()!.getInput()),
        values(channel.getSampler()!.getOutput()),
      ]);
    expect(channels).toEqual([
      ['translation', [0, 0.5, 1], [0, 1, 0, 0, 2, 0, 0, 4, 0]], // the repeated time dropped
      ['rotation', [0, 1], [0, 0, 0, 1, 0, 0, 0, 1]], // unit quaternions
    ]);
  });

  it('keeps morph targets and animates their weights together, each track sampled at every key', async () => {
    const geometry = quad();
    const smile = new three.Float32BufferAttribute(new Array(12).fill(0.5), 3);
    smile.name = 'smile';
    const blink = new three.Float32BufferAttribute(new Array(12).fill(-0.5), 3);
    blink.name = 'blink';
    geometry.morphAttributes.position = [smile, blink];
    geometry.morphTargetsRelative = true;
    const mesh = new three.Mesh(geometry, new three.MeshStandardMaterial());
    mesh.name = 'face';
    mesh.updateMorphTargets();
    const root = new three.Group();
    root.add(mesh);
    const clip = new three.AnimationClip('talk', 1, [
      new three.NumberKeyframeTrack('face.morphTargetInfluences[smile]', [0, 1], [0, 1]),
      new three.NumberKeyframeTrack('face.morphTargetInfluences[1]', [0.5], [1]),
    ]);
    const document = await threeToDocument(
      { root, animations: [clip] },
      { image: () => Promise.resolve(undefined), warnings: [] },
    );
    const [primitive] = document.getRoot().listMeshes()[0].listPrimitives();
    expect(primitive.listTargets().map((target) => target.getName())).toEqual(['smile', 'blink']);
    expect(values(primitive.listTargets()[1].getAttribute('POSITION'))).toEqual(
      new Array(12).fill(-0.5),
    );
    const [channel] = document.getRoot().listAnimations()[0].listChannels();
    expect(channel.getTargetPath()).toBe('weights');
    expect(values(channel.getSampler()!.getInput())).toEqual([0, 0.5, 1]);
    expect(values(channel.getSampler()!.getOutput())).toEqual([0, 1, 0.5, 1, 1, 1]);
    const glb = await (await meshIO()).writeBinary(document);
    const report = await validateBytes(glb);
    expect(report.issues.numErrors).toBe(0);
  });
});
