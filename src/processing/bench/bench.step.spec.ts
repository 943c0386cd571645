import type { PipelineContext, PipelineRequest } from '../step.types';
import { runBenchStep } from './bench.step';

const request = (options: Record<string, unknown>): PipelineRequest => ({
  kind: 'image',
  steps: ['bench'],
  inputDir: '',
  primary: '',
  outputsDir: '',
  workDir: '',
  options,
});

function recorder() {
  const ticks: [number, number][] = [];
  const stepDone = jest.fn();
  const ctx: PipelineContext = {
    signal: new AbortController().signal,
    progress: (index, fraction) => ticks.push([index, fraction]),
    stepDone,
  };
  return { ticks, stepDone, ctx };
}

describe('runBenchStep', () => {
  it('reports 50 ticks by default, evenly up to 1, and ends no step (it has no outputs)', async () => {
    const { ticks, stepDone, ctx } = recorder();
    await runBenchStep(request({}), ctx);
    expect(ticks).toHaveLength(50);
    expect(ticks[0]).toEqual([0, 0.02]);
    expect(ticks[49]).toEqual([0, 1]);
    expect(stepDone).not.toHaveBeenCalled();
  });

  it('reports `events` ticks spread over `ms`', async () => {
    const { ticks, ctx } = recorder();
    const started = Date.now();
    await runBenchStep(request({ events: 4, ms: 80 }), ctx);
    expect(ticks.map(([, fraction]) => fraction)).toEqual([0.25, 0.5, 0.75, 1]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
  });

  it('refuses an event count out of range', async () => {
    const { ctx } = recorder();
    await expect(runBenchStep(request({ events: 0 }), ctx)).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
    });
  });
});
