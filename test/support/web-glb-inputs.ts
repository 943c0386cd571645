import { type GLTF } from '@gltf-transform/core';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { meshIO } from '../../src/processing/mesh/mesh-io';
import { FIXTURES } from './fixtures';

/** The glTF fixtures: GLBs `optimize` reads as they are, and folders of `.gltf` + resources. */
export const GLTF_FIXTURES = join(FIXTURES, 'mesh/gltf');

/**
 * Khronos' AnimatedMorphCube (a `.gltf` with its `.bin`) as the GLB `convert` would make of it:
 * one mesh with two morph targets and one animation, "Square", driving their weights.
 */
export async function animatedMorphCubeGlb(): Promise<Uint8Array> {
  const folder = join(GLTF_FIXTURES, 'AnimatedMorphCube');
  const io = await meshIO();
  const document = await io.readJSON({
    json: JSON.parse(await readFile(join(folder, 'AnimatedMorphCube.gltf'), 'utf8')) as GLTF.IGLTF,
    resources: { 'AnimatedMorphCube.bin': await readFile(join(folder, 'AnimatedMorphCube.bin')) },
  });
  return io.writeBinary(document);
}

/**
 * `quad_skin.glb` (a quad skinned to ten bones, no animation) with an animation added, "Wave",
 * that turns the bone `Bone.001` back and forth over a second: the fixtures have no GLB with a
 * skin and an animation together, and `BrainStem.glb` is too large for the repository.
 */
export async function wavingQuadSkinGlb(): Promise<Uint8Array> {
  const io = await meshIO();
  const document = await io.readBinary(await readFile(join(GLTF_FIXTURES, 'quad_skin.glb')));
  const bone = document
    .getRoot()
    .listNodes()
    .find((node) => node.getName() === 'Bone.001');
  if (!bone) throw new Error('quad_skin.glb has no node "Bone.001"');
  const buffer = document.getRoot().listBuffers()[0];
  const s = Math.SQRT1_2;
  const times = document
    .createAccessor()
    .setType('SCALAR')
    .setArray(new Float32Array([0, 0.5, 1]))
    .setBuffer(buffer);
  const rotations = document
    .createAccessor()
    .setType('VEC4')
    .setArray(new Float32Array([0, 0, 0, 1, 0, 0, s, s, 0, 0, 0, 1]))
    .setBuffer(buffer);
  const sampler = document.createAnimationSampler().setInput(times).setOutput(rotations);
  const channel = document
    .createAnimationChannel()
    .setTargetNode(bone)
    .setTargetPath('rotation')
    .setSampler(sampler);
  document.createAnimation('Wave').addSampler(sampler).addChannel(channel);
  return io.writeBinary(document);
}
