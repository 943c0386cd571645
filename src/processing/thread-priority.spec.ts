import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { lowerOtherThreadsPriority } from './thread-priority';

/** A thread that reports its own Linux thread id (from /proc/thread-self), then waits to be stopped. */
const REPORT_TID = `
const { readlinkSync } = require('node:fs');
const { parentPort } = require('node:worker_threads');
parentPort.postMessage(Number(readlinkSync('/proc/thread-self').split('/').pop()));
setInterval(() => undefined, 1000);
`;

const onLinux = process.platform === 'linux' ? describe : describe.skip;

onLinux('lowerOtherThreadsPriority', () => {
  let worker: Worker;
  let tid: number;

  beforeEach(async () => {
    worker = new Worker(REPORT_TID, { eval: true });
    tid = await new Promise<number>((resolve) => worker.once('message', resolve));
  });
  afterEach(async () => {
    await worker.terminate();
  });

  it('raises the nice value of another thread and leaves the main thread alone', () => {
    const mainBefore = getPriority(process.pid);
    expect(getPriority(tid)).toBeLessThan(5);

    expect(lowerOtherThreadsPriority(5)).toBeGreaterThanOrEqual(1);

    expect(getPriority(tid)).toBe(5);
    expect(getPriority(process.pid)).toBe(mainBefore);
  });

  it('changes nothing when asked for 0, nor when threads are already that low', () => {
    expect(lowerOtherThreadsPriority(0)).toBe(0);
    expect(getPriority(tid)).toBeLessThan(5);

    lowerOtherThreadsPriority(5);
    expect(lowerOtherThreadsPriority(5)).toBe(0);
    expect(getPriority(tid)).toBe(5);
  });
});
