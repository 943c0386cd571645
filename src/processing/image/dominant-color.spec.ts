import { dominantColor } from './dominant-color';

/** Pixels from [value, count] runs, each value a tuple of channel bytes. */
function pixels(...runs: Array<[number[], number]>): Uint8Array {
  return Uint8Array.from(
    runs.flatMap(([value, count]) => Array<number[]>(count).fill(value).flat()),
  );
}

const RED = { r: 248, g: 8, b: 8 }; // the centre of the reddest of 16 bins a channel
const BLACK = { r: 8, g: 8, b: 8 };

describe('dominantColor', () => {
  it('answers the centre of the fullest bin of 16 levels a channel', () => {
    expect(dominantColor(pixels([[250, 0, 3], 3], [[0, 0, 255], 2]), 3)).toEqual(RED);
    expect(dominantColor(pixels([[0x12, 0x34, 0x56], 1]), 3)).toEqual({ r: 24, g: 56, b: 88 });
  });

  it('does not count transparent pixels: three transparent black and one opaque red are red', () => {
    expect(dominantColor(pixels([[0, 0, 0, 0], 3], [[255, 0, 0, 255], 1]), 4)).toEqual(RED);
  });

  it('counts a pixel as much as it is opaque: three faint blue weigh less than one opaque red', () => {
    expect(dominantColor(pixels([[0, 0, 255, 64], 3], [[255, 0, 0, 255], 1]), 4)).toEqual(RED);
    expect(dominantColor(pixels([[0, 0, 255, 128], 3], [[255, 0, 0, 255], 1]), 4)).toEqual({
      r: 8,
      g: 8,
      b: 248,
    });
  });

  it('reads grey, and grey with alpha, as equal r, g and b', () => {
    expect(dominantColor(pixels([[100], 2], [[0], 1]), 1)).toEqual({ r: 104, g: 104, b: 104 });
    expect(dominantColor(pixels([[0, 0], 5], [[200, 255], 1]), 2)).toEqual({
      r: 200,
      g: 200,
      b: 200,
    });
  });

  it('counts every pixel alike when none is opaque at all, rather than answer nothing', () => {
    expect(dominantColor(pixels([[0, 0, 0, 0], 3], [[255, 0, 0, 0], 1]), 4)).toEqual(BLACK);
  });
});
