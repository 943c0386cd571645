import { ProgressThrottle } from './progress-throttle';

describe('ProgressThrottle', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('sends the first report at once and coalesces the rest of the interval into the latest', () => {
    const sent: number[] = [];
    const throttle = new ProgressThrottle<number>(5, (v) => sent.push(v));
    throttle.report(1);
    throttle.report(2);
    throttle.report(3);
    expect(sent).toEqual([1]);
    jest.advanceTimersByTime(200);
    expect(sent).toEqual([1, 3]);
  });

  it('sends at most hz reports a second under a steady stream', () => {
    const sent: number[] = [];
    const throttle = new ProgressThrottle<number>(5, (v) => sent.push(v));
    for (let ms = 0; ms < 990; ms += 10) {
      throttle.report(ms);
      jest.advanceTimersByTime(10);
    }
    throttle.stop();
    expect(sent.length).toBe(5);
  });

  it('drops a pending report on stop, so nothing trails a state change', () => {
    const sent: number[] = [];
    const throttle = new ProgressThrottle<number>(5, (v) => sent.push(v));
    throttle.report(1);
    throttle.report(2);
    throttle.stop();
    jest.advanceTimersByTime(1000);
    expect(sent).toEqual([1]);
  });
});
