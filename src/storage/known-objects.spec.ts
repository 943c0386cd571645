import { KnownObjects } from './known-objects';

const a = 'a'.repeat(64);
const b = 'b'.repeat(64);
const c = 'c'.repeat(64);

describe('KnownObjects', () => {
  it('answers a blob seen with the same size within the TTL, and forgets it at the TTL', () => {
    const known = new KnownObjects(1000, 10);
    known.add(a, 5, 10_000);

    expect(known.has(a, 5, 10_999)).toBe(true);
    expect(known.has(a, 6, 10_500)).toBe(false);
    expect(known.has(b, 5, 10_500)).toBe(false);
    expect(known.has(a, 5, 11_000)).toBe(false);
    expect(known.size).toBe(0);
  });

  it('counts the TTL from the latest sighting', () => {
    const known = new KnownObjects(1000, 10);
    known.add(a, 5, 10_000);
    known.add(a, 5, 10_800);

    expect(known.has(a, 5, 11_500)).toBe(true);
  });

  it('drops the oldest sighting beyond its cap', () => {
    const known = new KnownObjects(1000, 2);
    known.add(a, 1, 10_000);
    known.add(b, 1, 10_001);
    known.add(a, 1, 10_002); // a is the latest now: b goes first
    known.add(c, 1, 10_003);

    expect([a, b, c].map((hash) => known.has(hash, 1, 10_004))).toEqual([true, false, true]);
    expect(known.size).toBe(2);
  });
});
