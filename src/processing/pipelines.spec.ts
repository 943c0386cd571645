import { PIPELINES, isStepSupported, isTaskTypeSupported } from './pipelines';

describe('PIPELINES', () => {
  it('runs inspect → render → variants for images, inspect → convert → optimize → render for meshes, inspect → pack → variants → render for texture sets, inspect → render for Substance archives', () => {
    expect(PIPELINES).toEqual({
      image: ['inspect', 'render', 'variants'],
      mesh: ['inspect', 'convert', 'optimize', 'render'],
      'texture-set': ['inspect', 'pack', 'variants', 'render'],
      substance: ['inspect', 'render'],
    });
  });
});

describe('isStepSupported', () => {
  it('supports exactly the steps of the kind’s pipeline', () => {
    expect(
      ['inspect', 'render', 'variants'].every((step) =>
        isStepSupported('image', step as 'inspect'),
      ),
    ).toBe(true);
    expect(isStepSupported('image', 'convert')).toBe(false);
    expect(isStepSupported('mesh', 'convert')).toBe(true);
    expect(isStepSupported('mesh', 'variants')).toBe(false);
    expect(isStepSupported('texture-set', 'pack')).toBe(true);
    expect(isStepSupported('substance', 'inspect')).toBe(true);
    expect(isStepSupported('substance', 'pack')).toBe(false);
  });
});

describe('isTaskTypeSupported', () => {
  it('supports process where a pipeline exists, and each step of it alone', () => {
    expect(isTaskTypeSupported('image', 'process')).toBe(true);
    expect(isTaskTypeSupported('image', 'render')).toBe(true);
    expect(isTaskTypeSupported('image', 'pack')).toBe(false);
    expect(isTaskTypeSupported('substance', 'process')).toBe(true);
    expect(isTaskTypeSupported('substance', 'variants')).toBe(false);
    expect(isTaskTypeSupported('texture-set', 'process')).toBe(true);
    expect(isTaskTypeSupported('texture-set', 'convert')).toBe(false);
  });
});
