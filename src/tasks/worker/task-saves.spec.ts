import { TaskSaves } from './task-saves';

describe('TaskSaves', () => {
  const deferred = () => {
    let resolve!: () => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };

  it('applies changes in the order they came and saves those that piled up in one save', async () => {
    const applied: string[] = [];
    const saves: Array<{ applied: string[]; fields: Record<string, string> }> = [];
    const firstSaveSent = deferred();
    const firstSave = deferred();
    const saving = new TaskSaves(async (fields) => {
      saves.push({ applied: [...applied], fields });
      if (saves.length === 1) {
        firstSaveSent.resolve();
        await firstSave.promise;
      }
    });
    saving.push({ apply: () => void applied.push('progress 10') });
    // Not a timer: on a loaded machine a timer can fire before the save's first turn has come.
    await firstSaveSent.promise;
    // While the first save is on its way, three more changes come.
    saving.push({ apply: () => ({ 'output:a': '1' }), ready: Promise.resolve() });
    saving.push({ apply: () => void applied.push('progress 50') });
    saving.push({ apply: () => ({ 'output:b': '2' }) });
    firstSave.resolve();
    await saving.settled();
    expect(saves).toEqual([
      { applied: ['progress 10'], fields: {} },
      { applied: ['progress 10', 'progress 50'], fields: { 'output:a': '1', 'output:b': '2' } },
    ]);
  });

  it('waits for a change that is not ready, keeping the ones after it behind it', async () => {
    const order: string[] = [];
    const stored = deferred();
    const saving = new TaskSaves(() => Promise.resolve());
    saving.push({ ready: stored.promise, apply: () => void order.push('step ended') });
    saving.push({ apply: () => void order.push('progress') });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(order).toEqual([]);
    stored.resolve();
    await saving.settled();
    expect(order).toEqual(['step ended', 'progress']);
  });

  it('saves nothing after a failure, and settled() rejects with it', async () => {
    const saves: number[] = [];
    const saving = new TaskSaves(() => {
      saves.push(saves.length);
      return saves.length === 1 ? Promise.reject(new Error('WRONGTYPE')) : Promise.resolve();
    });
    saving.push({ apply: () => undefined });
    await expect(saving.settled()).rejects.toThrow('WRONGTYPE');
    saving.push({ apply: () => undefined });
    await expect(saving.settled()).rejects.toThrow('WRONGTYPE');
    expect(saves).toEqual([0]);
  });

  it('fails on a change whose outputs could not be stored, without saving it', async () => {
    const stored = deferred();
    const saves: Array<Record<string, string>> = [];
    const saving = new TaskSaves((fields) => {
      saves.push(fields);
      return Promise.resolve();
    });
    saving.push({ ready: stored.promise, apply: () => ({ 'output:a': '1' }) });
    stored.reject(new Error('ENOSPC'));
    await expect(saving.settled()).rejects.toThrow('ENOSPC');
    expect(saves).toEqual([]);
  });
});
