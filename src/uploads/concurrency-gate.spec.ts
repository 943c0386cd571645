import { ConcurrencyGate } from './concurrency-gate';

/** A job that runs until `finish` is called, recording when it started. */
function heldJob(started: string[], name: string) {
  let finish: (value: string) => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  const job = () =>
    new Promise<string>((resolve, reject) => {
      started.push(name);
      finish = resolve;
      fail = reject;
    });
  return { job, finish: () => finish(name), fail: (error: Error) => fail(error) };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('ConcurrencyGate', () => {
  it('runs at most its slots at once and starts the waiting jobs in arrival order', async () => {
    const gate = new ConcurrencyGate(2);
    const started: string[] = [];
    const jobs = ['a', 'b', 'c', 'd'].map((name) => heldJob(started, name));
    const results = jobs.map(({ job }) => gate.run(job));
    await turn();
    expect(started).toEqual(['a', 'b']);
    expect(gate.queued).toBe(2);

    jobs[1].finish();
    await turn();
    expect(started).toEqual(['a', 'b', 'c']);
    jobs[0].finish();
    await turn();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    expect(gate.queued).toBe(0);

    jobs[2].finish();
    jobs[3].finish();
    await expect(Promise.all(results)).resolves.toEqual(['a', 'b', 'c', 'd']);
  });

  it('frees the slot of a job that throws, and passes its error on', async () => {
    const gate = new ConcurrencyGate(1);
    const started: string[] = [];
    const first = heldJob(started, 'first');
    const second = heldJob(started, 'second');
    const failing = gate.run(first.job);
    const next = gate.run(second.job);
    await turn();
    expect(started).toEqual(['first']);

    first.fail(new Error('disk full'));
    await expect(failing).rejects.toThrow('disk full');
    await turn();
    expect(started).toEqual(['first', 'second']);
    second.finish();
    await expect(next).resolves.toBe('second');

    // The gate is empty again: the next job starts at once.
    const third = heldJob(started, 'third');
    void gate.run(third.job);
    expect(started).toEqual(['first', 'second', 'third']);
    third.finish();
  });

  it('refuses a gate without a slot', () => {
    expect(() => new ConcurrencyGate(0)).toThrow(RangeError);
  });
});
