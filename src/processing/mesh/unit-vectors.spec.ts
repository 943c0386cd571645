import { type Accessor, Document } from '@gltf-transform/core';
import { repairUnitVectors } from './unit-vectors';

function model(normals: number[], tangents: number[], rotations: number[]): Document {
  const document = new Document();
  const buffer = document.createBuffer();
  const accessor = (type: 'VEC3' | 'VEC4' | 'SCALAR', values: number[]) =>
    document.createAccessor().setType(type).setArray(new Float32Array(values)).setBuffer(buffer);
  const primitive = document
    .createPrimitive()
    .setAttribute('POSITION', accessor('VEC3', [0, 0, 0, 1, 0, 0, 0, 1, 0]))
    .setAttribute('NORMAL', accessor('VEC3', normals))
    .setAttribute('TANGENT', accessor('VEC4', tangents));
  const node = document.createNode().setMesh(document.createMesh().addPrimitive(primitive));
  const sampler = document
    .createAnimationSampler()
    .setInput(accessor('SCALAR', [0, 1]))
    .setOutput(accessor('VEC4', rotations));
  document
    .createAnimation()
    .addSampler(sampler)
    .addChannel(
      document
        .createAnimationChannel()
        .setTargetNode(node)
        .setTargetPath('rotation')
        .setSampler(sampler),
    );
  return document;
}

/** Every component of every element, in order. */
const numbers = (accessor: Accessor | null | undefined): number[] =>
  Array.from({ length: accessor?.getCount() ?? 0 }, (_, index) =>
    accessor ? accessor.getElement(index, []) : [],
  ).flat();
const values = (document: Document, semantic: string) =>
  numbers(document.getRoot().listMeshes()[0].listPrimitives()[0].getAttribute(semantic));
const rotations = (document: Document) =>
  numbers(document.getRoot().listAnimations()[0].listSamplers()[0].getOutput());

describe('repairUnitVectors', () => {
  it('scales off-length normals, tangents and rotations to length 1, a tangent w to ±1', () => {
    const document = model(
      [0, 0, 2, 0, 0.98, 0, 0, 0, 1],
      [0.5, 0, 0, 1, 0, 3, 0, -0.2, 1, 0, 0, 1],
      [0, 0, 0, 2, 0, 0.6, 0, 0.8],
    );
    expect(repairUnitVectors(document)).toBe(3);
    expect(values(document, 'NORMAL')).toEqual([0, 0, 1, 0, 1, 0, 0, 0, 1]);
    expect(values(document, 'TANGENT')).toEqual([1, 0, 0, 1, 0, 1, 0, -1, 1, 0, 0, 1]);
    // the second rotation was unit length already (as float32): kept as it was
    expect(rotations(document)).toEqual([0, 0, 0, 1, ...new Float32Array([0, 0.6, 0, 0.8])]);
  });

  it('gives a zero-length normal +Z and a zero rotation the identity', () => {
    const document = model(
      [0, 0, 0, 0, 1, 0, 0, 0, 1],
      [1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1],
      [0, 0, 0, 0, 0, 0, 0, 1],
    );
    expect(repairUnitVectors(document)).toBe(2);
    expect(values(document, 'NORMAL')).toEqual([0, 0, 1, 0, 1, 0, 0, 0, 1]);
    expect(rotations(document)).toEqual([0, 0, 0, 1, 0, 0, 0, 1]);
  });

  it('changes nothing in a model whose vectors are already unit length', () => {
    const document = model(
      [0, 0, 1, 0, 1, 0, 1, 0, 0],
      [1, 0, 0, 1, 1, 0, 0, -1, 0, 1, 0, 1],
      [0, 0, 0, 1, 0, 0.6, 0, 0.8],
    );
    expect(repairUnitVectors(document)).toBe(0);
  });
});
