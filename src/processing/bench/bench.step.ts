import { setTimeout as sleep } from 'node:timers/promises';
import { parseStepOptions } from '../step-options';
import type { PipelineContext, PipelineRequest } from '../step.types';

/**
 * The benchmark step: no work, no file read or written, only `events` progress ticks spread over
 * `ms` (0: back to back), reported like any step's, so a task of it measures Kiln's own path
 * (queue, worker, pool thread, outbox, relay, socket). It calls no `stepDone`: it has no outputs,
 * so its task's events are exactly `events` progress events between started and succeeded.
 */
export async function runBenchStep(request: PipelineRequest, ctx: PipelineContext): Promise<void> {
  const { events, ms } = parseStepOptions('bench', request.options);
  const gapMs = ms / events;
  for (let tick = 1; tick <= events; tick++) {
    if (gapMs > 0) await sleep(gapMs);
    ctx.progress(0, tick / events);
  }
}
