import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventPublisher } from '@nestjs/cqrs';
import { UnrecoverableError } from 'bullmq';
import { AssetRepository } from '../../assets/asset.repository';
import { type AssetOutput, type AssetRecord, primaryFile } from '../../assets/asset.record';
import { KILN_CONFIG, type KilnConfig } from '../../config/kiln-config';
import { PIPELINES } from '../../processing/pipelines';
import { ProcessingError } from '../../processing/processing.error';
import { ProcessingPool } from '../../processing/processing-pool';
import type { StepName } from '../../processing/step.types';
import type { TaskErrorInfo } from '../../contract';
import { STORAGE, type Storage } from '../../storage/storage';
import { Task } from '../domain/task.aggregate';
import { TaskRepository } from '../task.repository';
import { ProgressThrottle } from './progress-throttle';
import { WorkerStoppedError } from './worker-stopped.error';

/** What BullMQ tells the runner about the attempt in hand. */
export interface AttemptInfo {
  /** Attempts already made before this one. */
  attemptsMade: number;
  maxAttempts: number;
  signal: AbortSignal;
}

/**
 * Runs one task: its steps in order on the processing pool, each step's outputs stored and
 * recorded on the asset, every state change saved and then published as a domain event.
 */
@Injectable()
export class TaskRunner {
  private readonly logger = new Logger(TaskRunner.name);

  constructor(
    private readonly tasks: TaskRepository,
    private readonly assets: AssetRepository,
    private readonly pool: ProcessingPool,
    private readonly publisher: EventPublisher,
    @Inject(STORAGE) private readonly storage: Storage,
    @Inject(KILN_CONFIG) private readonly config: KilnConfig,
  ) {}

  async run(taskId: string, attempt: AttemptInfo): Promise<void> {
    const loaded = await this.tasks.load(taskId);
    if (!loaded) throw new UnrecoverableError(`Task ${taskId} does not exist`);
    if (loaded.state === 'cancelled') return;
    const task = this.publisher.mergeObjectContext(loaded);
    const asset = await this.assets.get(task.toSnapshot().assetId);
    if (!asset) throw new UnrecoverableError(`Asset of task ${taskId} does not exist`);

    if (task.state === 'running') {
      // The previous holder died mid-run (BullMQ found the job stalled): that attempt failed.
      task.fail(
        { code: 'WORKER_LOST', message: 'The worker running this task stopped; it runs again.' },
        true,
        new Date(),
      );
    }
    await this.transition(task, () => task.start(new Date()));

    const snapshot = task.toSnapshot();
    const steps: readonly StepName[] =
      snapshot.type === 'process' ? PIPELINES[asset.kind] : [snapshot.type];
    const throttle = new ProgressThrottle<{ step: StepName; progress: number }>(
      this.config.progressHz,
      ({ step, progress }) => {
        task.progress(step, progress, new Date());
        this.transition(task, () => undefined).catch((error: unknown) =>
          this.logger.error(`Progress of task ${taskId} not saved`, error),
        );
      },
    );
    const done = steps.map(() => 0);
    const workDir = await this.storage.makeTempDir(`task-${taskId}-`);
    try {
      // One pool call runs every step, so the steps can share work (an image decodes once).
      const result = await this.pool.run(
        {
          kind: asset.kind,
          steps,
          inputPath: this.storage.localPath(primaryFile(asset).sha256),
          filename: asset.primary,
          workDir,
          options: snapshot.options,
        },
        {
          signal: attempt.signal,
          // KILN_STEP_TIMEOUT_MS is a budget per step.
          timeoutMs: this.config.stepTimeoutMs * steps.length,
          // Steps may run one after another or at once: the task is as far as their sum.
          onProgress: (index, fraction) => {
            done[index] = fraction;
            const sum = done.reduce((total, part) => total + part, 0);
            throttle.report({ step: steps[index], progress: (sum / steps.length) * 100 });
          },
        },
      );
      const stored = await this.storeOutputs(result.outputs);
      await this.assets.recordResults(asset.id, stored, result.metadata);
      throttle.stop();
      const names = stored.map((output) => output.name);
      await this.transition(task, () => task.succeed(names, new Date()));
    } catch (error) {
      throttle.stop();
      if (error instanceof WorkerStoppedError) {
        // Shutdown, not the task: queued again (TaskProcessor puts the job back untouched).
        await this.transition(task, () => task.fail(error.info, true, new Date()));
        throw error;
      }
      await this.failAttempt(task, asset, error, attempt);
    } finally {
      await this.storage.removeTemp(workDir);
    }
  }

  private async storeOutputs(
    outputs: { name: string; path: string; contentType: string }[],
  ): Promise<AssetOutput[]> {
    return Promise.all(
      outputs.map(async ({ name, path, contentType }) => {
        const blob = await this.storage.putFile(path);
        return { name, contentType, bytes: blob.bytes, sha256: blob.sha256 };
      }),
    );
  }

  /** Records the failed attempt, then rethrows so BullMQ retries it or fails the job for good. */
  private async failAttempt(
    task: Task,
    asset: AssetRecord,
    error: unknown,
    attempt: AttemptInfo,
  ): Promise<never> {
    const info = toErrorInfo(error);
    const retryable = !(error instanceof ProcessingError) || error.retryable;
    const willRetry = retryable && attempt.attemptsMade + 1 < attempt.maxAttempts;
    this.logger.warn(
      `Task ${task.id} (${asset.kind} ${asset.primary}) failed with ${info.code}${willRetry ? ', retrying' : ''}: ${info.message}`,
    );
    await this.transition(task, () => task.fail(info, willRetry, new Date()));
    if (!retryable) throw new UnrecoverableError(`${info.code}: ${info.message}`);
    throw error instanceof Error ? error : new Error(info.message);
  }

  /**
   * Applies a change, saves the task, then publishes its events: the read model is never behind
   * an event. Progress saves overlap the step loop's; that is safe because every save and relay
   * goes over the one command connection, which Redis runs in the order sent.
   */
  private async transition(task: Task, change: () => void): Promise<void> {
    change();
    await this.tasks.save(task);
    task.commit();
  }
}

function toErrorInfo(error: unknown): TaskErrorInfo {
  if (error instanceof ProcessingError) return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}
