import { Inject, Injectable, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { resolve } from 'node:path';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { Piscina } from 'piscina';
// sharp's docs: on glibc Linux the main thread must load sharp before any worker thread does, so
// its shared libraries stay loaded until every thread has finished. sharp.concurrency() is left
// at its default (1 libvips thread per operation on glibc without jemalloc): parallelism comes from
// running one step per pool thread, and a 4096² PNG decodes sequentially anyway.
import 'sharp';
import { ProcessingError } from './processing.error';
import { lowerOtherThreadsPriority } from './thread-priority';
import {
  STEP_CRASHED,
  errorMessage,
  type PipelineMessage,
  type StepOutcome,
  type StepTask,
} from './step-outcome';
import type { FinishedStep, PipelineRequest } from './step.types';

export const STEP_TIMEOUT = 'STEP_TIMEOUT';

/** The worker script the pool runs; injectable so tests can substitute a plain JS one. */
export const PROCESSING_WORKER_FILE = Symbol('PROCESSING_WORKER_FILE');

/** How the pool is sized; given by whoever imports ProcessingModule (it reads no config itself). */
export interface ProcessingPoolOptions {
  /** Worker threads, started up front: one step runs on each at a time. */
  threads: number;
  /** Each thread's JS heap cap in MiB (`KILN_WORKER_HEAP_MB`); `WORKER_MAX_OLD_GENERATION_MB` if absent. */
  heapMb?: number;
  /**
   * Nice value for every thread but the main one (`KILN_WORKER_NICE`), so the event loop keeps a
   * core while the image work fills the others; 0 leaves priorities alone. See thread-priority.ts.
   */
  niceness?: number;
}
export const PROCESSING_POOL_OPTIONS = Symbol('PROCESSING_POOL_OPTIONS');

/**
 * Caps each thread's JS heap by default. It does not bound libvips or typed arrays (a model's
 * vertex data lives outside the heap): the pixel limit, the upload size and the step timeout do
 * (docs/design.md, "Processing choices"). A thread that runs out of it fails its task at once
 * with the kind's `…_TOO_LARGE` code, not retried: the same input would run out again.
 */
export const WORKER_MAX_OLD_GENERATION_MB = 1024;

/** The code a task fails with when its thread ran out of heap, by asset kind. */
const TOO_LARGE_CODES: Partial<Record<PipelineRequest['kind'], string>> = {
  mesh: 'MESH_TOO_LARGE',
  image: 'IMAGE_TOO_LARGE',
  substance: 'SUBSTANCE_TOO_LARGE',
};

export interface StepRunOptions {
  /** Aborting it stops the step (its thread is terminated) and rejects with the signal's reason. */
  signal: AbortSignal;
  /** A step running longer is stopped and fails with `STEP_TIMEOUT`. */
  timeoutMs: number;
  /** Progress: which of the requested steps moved, its fraction 0-1, and when (epoch ms, in the thread). */
  onProgress: (stepIndex: number, fraction: number, at: number) => void;
  /**
   * A step ended: its outputs (hashed, at paths the caller may move) and metadata. Called as it
   * happens, in the order the thread posted, also when a later step then fails or the call is
   * stopped; never after `run` has settled.
   */
  onStepDone: (stepIndex: number, step: FinishedStep) => void;
}

/**
 * Runs processing steps on a pool of worker threads (piscina), `KILN_WORKER_CONCURRENCY` of them,
 * started up front so the first task does not pay for thread start and sharp's load. A thread
 * that crashes or runs out of heap fails its step, never the process.
 */
@Injectable()
export class ProcessingPool implements OnApplicationShutdown {
  private readonly piscina: Piscina<StepTask, StepOutcome>;
  private readonly heapMb: number;
  private readonly niceness: number;
  /** Whether a thread may have appeared since the priorities were last lowered. */
  private threadsToLower = true;

  constructor(
    @Inject(PROCESSING_POOL_OPTIONS)
    { threads, heapMb = WORKER_MAX_OLD_GENERATION_MB, niceness = 0 }: ProcessingPoolOptions,
    // step.worker.js beside this file: present in dist/, absent under ts-jest (tests pass their own).
    @Optional()
    @Inject(PROCESSING_WORKER_FILE)
    filename: string = resolve(__dirname, 'step.worker.js'),
  ) {
    this.heapMb = heapMb;
    this.piscina = new Piscina<StepTask, StepOutcome>({
      filename,
      minThreads: threads,
      maxThreads: threads,
      resourceLimits: { maxOldGenerationSizeMb: heapMb },
    });
    this.niceness = niceness;
    // A thread replacing one that crashed or was stopped starts at the main thread's priority.
    this.piscina.on('workerCreate', () => (this.threadsToLower = true));
  }

  /** Runs the request's steps in one thread; resolves when all succeeded, else throws a ProcessingError. */
  async run(
    request: PipelineRequest,
    { signal, timeoutMs, onProgress, onStepDone }: StepRunOptions,
  ): Promise<void> {
    signal.throwIfAborted();
    if (this.threadsToLower) {
      // Before the step, not at start-up: by now libuv's threads exist (the task's folder was
      // laid out with them), and the libvips threads they start for this step inherit the value.
      this.threadsToLower = false;
      lowerOtherThreadsPriority(this.niceness);
    }
    const timeout = AbortSignal.timeout(timeoutMs);
    const { port1, port2 } = new MessageChannel();
    let lastStepIndex = 0; // the step a thread that dies was most likely in
    const deliver = (message: unknown) => {
      const posted = message as PipelineMessage;
      lastStepIndex = posted.stepIndex;
      if (posted.type === 'progress') onProgress(posted.stepIndex, posted.fraction, posted.at);
      else if (posted.type === 'step-done') {
        const { outputs, metadata } = posted;
        onStepDone(posted.stepIndex, metadata ? { outputs, metadata } : { outputs });
      }
    };
    port1.on('message', deliver);
    const what =
      request.steps.length === 1 ? `${request.steps[0]} step` : `steps ${request.steps.join(', ')}`;
    let outcome: StepOutcome;
    try {
      outcome = await this.piscina.run(
        { request, progressPort: port2 },
        { transferList: [port2], signal: AbortSignal.any([signal, timeout]) },
      );
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (timeout.aborted) {
        // The same input would very likely run out of time again: not retried.
        throw new ProcessingError(
          STEP_TIMEOUT,
          `The ${what} ran longer than ${timeoutMs} ms and ${request.steps.length === 1 ? 'was' : 'were'} stopped. Try a smaller file, or raise KILN_STEP_TIMEOUT_MS.`,
          false,
        );
      }
      const tooLarge = TOO_LARGE_CODES[request.kind];
      if (tooLarge && isOutOfMemory(error)) {
        const step = request.steps[lastStepIndex];
        throw new ProcessingError(
          tooLarge,
          `The ${request.kind} is too large: the ${step} step needed more than the worker's ${this.heapMb} MiB of JS heap. Try a smaller file, or raise KILN_WORKER_HEAP_MB.`,
          false,
          step,
        );
      }
      throw new ProcessingError(
        STEP_CRASHED,
        `The worker thread running the ${what} crashed: ${errorMessage(error)}`,
        true,
      );
    } finally {
      // What the thread posted before it answered (or died) is already queued on the port:
      // deliver it, since the answer came on another port and may have overtaken it. Nothing
      // comes after.
      for (let queued = receiveMessageOnPort(port1); queued; queued = receiveMessageOnPort(port1)) {
        deliver(queued.message);
      }
      port1.close();
    }
    if (!outcome.ok) {
      const { code, message, retryable, step } = outcome.error;
      throw new ProcessingError(code, message, retryable, step);
    }
  }

  /**
   * At application shutdown, the last phase: by then the task worker has drained (its running
   * steps finished or were handed back), so closing never cuts a step short.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  /** Stops the threads once the steps they run have finished. */
  async close(): Promise<void> {
    await this.piscina.close();
  }
}

/** Node ends a worker thread that hit its `resourceLimits` with this code. */
function isOutOfMemory(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
}
