import { ObjSyntaxError, parseObj } from './obj-parse';

const parse = (text: string) => parseObj(Buffer.from(text));

describe('parseObj', () => {
  it('shares a vertex between faces only when v, vt and vn all match, per primitive', async () => {
    const data = await parse(
      'v 0 0 0\nv 1 0 0\nv 0 1 0\nv 1 1 0\nvt 0 0\nvt 1 1\nvn 0 0 1\n' +
        'f 1/1/1 2/1/1 3/1/1\nf 2/1/1 4/1/1 3/1/1\n' + // shares 2 and 3
        'f 1/2/1 2/1/1 3/1/1\n' + // corner 1 with another vt: a new vertex
        'usemtl red\nf 1/1/1 2/1/1 3/1/1\n', // another primitive: its own vertices
    );
    expect(data.primitives.map((p) => [p.material, p.vertexCount, Array.from(p.indices)])).toEqual([
      [undefined, 5, [0, 1, 2, 1, 3, 2, 4, 1, 2]],
      ['red', 3, [0, 1, 2]],
    ]);
    expect(data.triangleCount).toBe(4);
  });

  it('reads numbers as parseFloat does: signs, exponents, no leading digit', async () => {
    const data = await parse('v -1.5e2 +.25 3E-3\nv 1 2 3 # comment\nv 7\t8\t9\r\n');
    expect(Array.from(data.positions)).toEqual(
      [-150, 0.25, 0.003, 1, 2, 3, 7, 8, 9].map(Math.fround),
    );
  });

  it('reads vertex colours after x y z, white for vertices without', async () => {
    const data = await parse('v 0 0 0\nv 1 0 0 1 0 0\nv 0 1 0 0 0.5 1\n');
    expect(Array.from(data.colors!)).toEqual([1, 1, 1, 1, 0, 0, 0, 0.5, 1]);
  });

  it('splits objects and groups into their own primitives, and ignores s, l and vp', async () => {
    const data = await parse(
      'v 0 0 0\nv 1 0 0\nv 0 1 0\no a\ns 1\nf 1 2 3\ng b\nvp 0.5\nl 1 2\nf 1 2 3\n',
    );
    expect(data.objects).toEqual(['a', 'b']);
    expect(data.primitives.map((p) => p.object)).toEqual([0, 1]);
    expect(data.lineOrPointCount).toBe(1);
  });

  it('joins a line continued with a backslash', async () => {
    const data = await parse('v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 \\\n2 3\n');
    expect(data.triangleCount).toBe(1);
  });

  it.each([
    ['v 1 2\n', 'line 1: a vertex (v) needs three numbers'],
    ['v 1 2 nan\n', 'line 1: a vertex (v) needs three numbers'],
    ['v 0 0 0\n\nf 1 2 3\n', 'line 3: vertex index 2 is out of range (1 vertices defined so far)'],
    [
      'v 0 0 0\nf 1/1 1/1 1/1\n',
      'line 2: texture coordinate index 1 is out of range (0 texture coordinates defined so far)',
    ],
    [
      'v 0 0 0\nf 1//1 1//1 1//1\n',
      'line 2: normal index 1 is out of range (0 normals defined so far)',
    ],
    ['v 0 0 0\nf 1 -2 1\n', 'line 2: vertex index -2 is out of range (1 vertices defined so far)'],
    ['v 0 0 0\nf 1 x 1\n', 'line 2: unexpected "x" in a face (f)'],
  ])('refuses %j: %s', async (text, message) => {
    const failure = parse(text);
    await expect(failure).rejects.toBeInstanceOf(ObjSyntaxError);
    await expect(failure).rejects.toThrow(message);
  });

  it('reports progress every 8 MB and stops when told to', async () => {
    const text = 'v 0.123456 0.123456 0.123456\n'.repeat(700_000); // ~20 MB
    const fractions: number[] = [];
    await expect(
      parseObj(Buffer.from(text), {
        onChunk: (fraction) => {
          fractions.push(fraction);
          if (fractions.length === 2) throw new Error('stop');
        },
      }),
    ).rejects.toThrow('stop');
    expect(fractions).toHaveLength(2);
    expect(fractions[0]).toBeCloseTo(8 / 20.3, 1);
  });
});
