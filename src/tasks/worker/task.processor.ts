import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { type Job, WaitingError } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';
import { KILN_CONFIG, type KilnConfig } from '../../config/kiln-config';
import { RedisConnections } from '../../redis/redis-connections';
import {
  TASK_QUEUE,
  TASK_WORKER_OPTIONS,
  type RunTaskJobData,
} from '../queue/task-queue.constants';
import { LockLostError } from './lock-lost.error';
import { TaskRunner } from './task-runner';
import { WorkerStoppedError } from './worker-stopped.error';

/**
 * The BullMQ worker of the task queue: hands each job to the TaskRunner, and drains on
 * shutdown: no new job from the first moment, running ones finish within the grace, and what
 * is still running after it goes back to the queue for another worker.
 */
@Processor(TASK_QUEUE, TASK_WORKER_OPTIONS)
export class TaskProcessor extends WorkerHost implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(TaskProcessor.name);
  /** Aborted when the shutdown grace runs out; every running task listens to it. */
  private readonly stopping = new AbortController();
  private draining: Promise<void> | undefined;
  private running = 0;
  /** One per running job, aborted when BullMQ could not renew that job's lock. */
  private readonly lockLost = new Map<string, AbortController>();

  constructor(
    private readonly runner: TaskRunner,
    @Inject(KILN_CONFIG) private readonly config: KilnConfig,
    private readonly connections: RedisConnections,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    // The decorator's options are fixed at import time; concurrency comes from the config.
    this.worker.concurrency = this.config.workerConcurrency;
    this.worker.on('error', this.connections.errorLog.report);
    // BullMQ only reports a lock it could not renew; the job is then another worker's to take,
    // so its run here must stop rather than race the new one.
    this.worker.on('lockRenewalFailed', (jobIds: string[]) => {
      for (const jobId of jobIds) this.lockLost.get(jobId)?.abort(new LockLostError(jobId));
    });
  }

  async process(job: Job<RunTaskJobData>, token?: string, signal?: AbortSignal): Promise<void> {
    this.running += 1;
    const jobId = job.id ?? '';
    const lockLost = new AbortController();
    this.lockLost.set(jobId, lockLost);
    try {
      const signals = [this.stopping.signal, lockLost.signal, ...(signal ? [signal] : [])];
      await this.runner.run(job.data.taskId, {
        attemptsMade: job.attemptsMade,
        maxAttempts: job.opts.attempts ?? 1,
        signal: AbortSignal.any(signals),
      });
    } catch (error) {
      if (error instanceof LockLostError) {
        this.logger.warn(
          `Task ${job.data.taskId} lost its lock (job ${jobId}): stopped here, another worker runs it`,
        );
        // The job is no longer ours to move: the stalled check hands it out again. WaitingError
        // tells BullMQ to leave it alone (neither fail nor complete it) and go on.
        throw new WaitingError();
      }
      if (!(error instanceof WorkerStoppedError) || token === undefined) throw error;
      // Back to the head of the wait list with attemptsMade as it was; WaitingError tells BullMQ
      // the job has been moved, so it neither fails nor retries it.
      await job.moveToWait(token);
      throw new WaitingError();
    } finally {
      this.lockLost.delete(jobId);
      this.running -= 1;
    }
  }

  /**
   * Stops taking jobs at once and waits up to KILN_SHUTDOWN_GRACE_MS for the running ones;
   * then aborts what still runs, which goes back to the queue. Safe to call more than once.
   */
  drain(): Promise<void> {
    this.draining ??= this.drainWithin(this.config.shutdownGraceMs);
    return this.draining;
  }

  /** Also drains when the application is closed without main.ts's shutdown (tests). */
  async onModuleDestroy(): Promise<void> {
    await this.drain();
  }

  private async drainWithin(graceMs: number): Promise<void> {
    if (!this.connections.reachable()) {
      // Redis is gone: no running task can be finished or handed back, so wait for nothing.
      this.logger.warn(`Redis does not answer: closing the task worker without waiting`);
      this.stopping.abort(new WorkerStoppedError());
      await this.worker.close(true);
      return;
    }
    // Worker.close(): the fetch loop stops now; it resolves once the active jobs have ended.
    const closed = this.worker.close();
    if (this.running > 0) {
      this.logger.log(
        `Taking no new tasks; waiting up to ${graceMs} ms for ${this.running} running`,
      );
    }
    const finished = await Promise.race([
      closed.then(() => true),
      sleep(graceMs, false, { ref: false }),
    ]);
    if (finished) return;
    this.logger.warn(
      `Shutdown grace of ${graceMs} ms ran out with ${this.running} task(s) running: stopping them and handing them back to the queue`,
    );
    this.stopping.abort(new WorkerStoppedError());
    await closed;
  }
}
