import { encodeSrgb, halfToFloat, toneMapHalfRgba } from './tone-map';

const HALF = {
  zero: 0x0000,
  quarter: 0x3400,
  half: 0x3800,
  one: 0x3c00,
  two: 0x4000,
  max: 0x7bff,
  inf: 0x7c00,
  nan: 0x7e00,
  minusOne: 0xbc00,
};

describe('halfToFloat', () => {
  it('decodes normal, subnormal and special binary16 values', () => {
    expect(halfToFloat(HALF.one)).toBe(1);
    expect(halfToFloat(HALF.half)).toBe(0.5);
    expect(halfToFloat(HALF.two)).toBe(2);
    expect(halfToFloat(HALF.max)).toBe(65504);
    expect(halfToFloat(HALF.minusOne)).toBe(-1);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(HALF.inf)).toBe(Infinity);
    expect(halfToFloat(HALF.nan)).toBeNaN();
  });
});

describe('encodeSrgb', () => {
  it('follows the sRGB curve: linear segment below 0.0031308, 0.5 → 0.7354, 1 → 1', () => {
    expect(encodeSrgb(0)).toBe(0);
    expect(encodeSrgb(0.002)).toBeCloseTo(0.02584, 5);
    expect(encodeSrgb(0.5)).toBeCloseTo(0.73536, 5);
    expect(encodeSrgb(1)).toBeCloseTo(1, 10);
  });
});

describe('toneMapHalfRgba', () => {
  const pixels = (...values: number[][]) => Uint16Array.from(values.flat());

  it('clamps and sRGB-encodes colour, keeps alpha linear', () => {
    const data = pixels(
      [HALF.one, HALF.half, HALF.zero, HALF.half],
      [HALF.two, HALF.minusOne, HALF.nan, HALF.inf],
    );
    const out = toneMapHalfRgba(data, 2, 1, 4, {
      toneMapping: 'clamp',
      exposure: 1,
      bottomUp: false,
    });
    expect([...out]).toEqual([255, 188, 0, 128, 255, 0, 0, 255]);
  });

  it('maps x to x / (1 + x) with reinhard, so 1.0 becomes 0.5 before sRGB encoding', () => {
    const out = toneMapHalfRgba(pixels([HALF.one, HALF.max, HALF.zero, HALF.one]), 1, 1, 3, {
      toneMapping: 'reinhard',
      exposure: 1,
      bottomUp: false,
    });
    expect([...out]).toEqual([188, 255, 0]);
  });

  it('applies exposure before tone mapping', () => {
    const out = toneMapHalfRgba(
      pixels([HALF.quarter, HALF.quarter, HALF.quarter, HALF.one]),
      1,
      1,
      3,
      { toneMapping: 'clamp', exposure: 2, bottomUp: false },
    );
    expect([...out]).toEqual([188, 188, 188]);
  });

  it('turns bottom-up rows into top-down ones', () => {
    // Two rows of one pixel each: the first in memory is the bottom row.
    const data = pixels(
      [HALF.one, HALF.zero, HALF.zero, HALF.one],
      [HALF.zero, HALF.zero, HALF.one, HALF.one],
    );
    expect([
      ...toneMapHalfRgba(data, 1, 2, 3, { toneMapping: 'clamp', exposure: 1, bottomUp: true }),
    ]).toEqual([0, 0, 255, 255, 0, 0]);
    expect([
      ...toneMapHalfRgba(data, 1, 2, 3, { toneMapping: 'clamp', exposure: 1, bottomUp: false }),
    ]).toEqual([255, 0, 0, 0, 0, 255]);
  });

  it('keeps R for 1 channel and R + A for 2', () => {
    const data = pixels([HALF.one, HALF.zero, HALF.zero, HALF.half]);
    const options = { toneMapping: 'clamp' as const, exposure: 1, bottomUp: false };
    expect([...toneMapHalfRgba(data, 1, 1, 1, options)]).toEqual([255]);
    expect([...toneMapHalfRgba(data, 1, 1, 2, options)]).toEqual([255, 128]);
  });
});
