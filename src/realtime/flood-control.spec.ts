import { CutSocketLog, isTooFarBehind, replayWindow } from './flood-control';

describe('isTooFarBehind', () => {
  it('lets a socket be sent more while fewer than the cap of its events wait', () => {
    expect(isTooFarBehind({ unsent: 0, heldBack: 0 }, 1000)).toBe(false);
    expect(isTooFarBehind({ unsent: 999, heldBack: 0 }, 1000)).toBe(false);
  });

  it('cuts a socket once its unsent and held-back events together reach the cap', () => {
    expect(isTooFarBehind({ unsent: 1000, heldBack: 0 }, 1000)).toBe(true);
    expect(isTooFarBehind({ unsent: 0, heldBack: 1000 }, 1000)).toBe(true);
    expect(isTooFarBehind({ unsent: 500, heldBack: 499 }, 1000)).toBe(false);
    expect(isTooFarBehind({ unsent: 500, heldBack: 500 }, 1000)).toBe(true);
  });
});

describe('replayWindow', () => {
  it('is half the cap, rounded down, and at least one event', () => {
    expect(replayWindow(1000)).toBe(500);
    expect(replayWindow(7)).toBe(3);
    expect(replayWindow(2)).toBe(1);
    expect(replayWindow(1)).toBe(1);
  });
});

describe('CutSocketLog', () => {
  it('reports each cut socket up to the most lines a window allows, then counts the others in the next line', () => {
    let now = 1_000;
    const log = new CutSocketLog(2, 10_000, () => now);
    expect(log.record()).toBe(1);
    now += 1;
    expect(log.record()).toBe(1);
    now += 1;
    expect(log.record()).toBeUndefined();
    now += 5_000;
    expect(log.record()).toBeUndefined();
    now = 11_000; // a new window: this line reports itself and the two held back
    expect(log.record()).toBe(3);
    expect(log.record()).toBe(1);
    expect(log.record()).toBeUndefined();
    now += 9_999;
    expect(log.record()).toBeUndefined();
    now += 1;
    expect(log.record()).toBe(3);
  });
});
