import { mapFileName, parseMtl, shininessToRoughness } from './mtl-parse';

describe('parseMtl', () => {
  it('reads colours, shininess, opacity and maps per material', () => {
    const materials = parseMtl(
      [
        'newmtl Paint',
        'Kd 0.8 0.1 0.1',
        'Ks 0.5 0.5 0.5',
        'Ns 96',
        'd 0.5',
        'map_Kd paint diffuse.png',
        'map_Bump -bm 0.5 paint_normal.png',
        'newmtl Glass',
        'Tr 0.75',
        'norm glass_n.png',
        'map_d -o 0.1 0.2 -s 2 2 1 alpha.png',
      ].join('\r\n'),
    );
    expect(materials.get('Paint')).toEqual({
      name: 'Paint',
      diffuse: [0.8, 0.1, 0.1],
      specular: [0.5, 0.5, 0.5],
      shininess: 96,
      opacity: 0.5,
      maps: { diffuse: 'paint diffuse.png', bump: 'paint_normal.png' },
    });
    expect(materials.get('Glass')).toEqual({
      name: 'Glass',
      opacity: 0.25,
      maps: { normal: 'glass_n.png', opacity: 'alpha.png' },
    });
  });

  it.each([
    ['-bm 1 bump.png', 'bump.png'],
    ['-blendu on -blendv off -clamp on -imfchan l tex.tga', 'tex.tga'],
    ['-mm 0 1 -texres 512 a b.png', 'a b.png'],
    ['-o 1 tex.png', 'tex.png'],
    ['-type sphere env.png', 'env.png'],
    ['-s 1 1 1', '1'], // the last token is the file, even when it looks like a number
  ])('takes the file name of "%s" as %s', (statement, name) => {
    expect(mapFileName(statement)).toBe(name);
  });

  it('turns Blinn-Phong shininess into roughness (0 → 1, 1000 → glossy)', () => {
    expect(shininessToRoughness(0)).toBe(1);
    expect(shininessToRoughness(1000)).toBeCloseTo(0.0447, 4);
  });
});
