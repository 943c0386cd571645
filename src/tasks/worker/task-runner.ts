import { Inject, Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { AssetRepository } from '../../assets/asset.repository';
import type { AssetOutput, AssetRecord } from '../../assets/asset.record';
import { KILN_CONFIG, type KilnConfig } from '../../config/kiln-config';
import {
  FINAL_TASK_STATES,
  type StepName,
  type TaskErrorInfo,
  type TaskState,
} from '../../contract';
import { BENCH_STEP, stepsOfTask } from '../../processing/pipelines';
import { ProcessingError } from '../../processing/processing.error';
import { ProcessingPool } from '../../processing/processing-pool';
import { layOutStepFolder } from '../../processing/step-folder';
import type { HandedOffOutput } from '../../processing/step.types';
import { STORAGE, type Storage } from '../../storage/storage';
import type { Task } from '../domain/task.aggregate';
import { TaskCancelRequests } from '../cancel/task-cancel-requests';
import { TaskRepository } from '../task.repository';
import { LockLostError } from './lock-lost.error';
import { RunningTaskCancels } from './running-task-cancels';
import { StepReports } from './step-reports';
import { TaskSaves } from './task-saves';
import { WorkerStoppedError } from './worker-stopped.error';

/** What BullMQ tells the runner about the attempt in hand. */
export interface AttemptInfo {
  /** Attempts already made before this one. */
  attemptsMade: number;
  maxAttempts: number;
  signal: AbortSignal;
}

const isFinal = (state: TaskState) => (FINAL_TASK_STATES as readonly TaskState[]).includes(state);

/**
 * Runs one task: its steps in one call to the processing pool, with the asset's files laid out
 * read-only for them. As each step ends its outputs are stored and recorded on the asset, with
 * the task's progress event, so a later failure keeps them. Every change of the task is saved
 * with its events in one write (the outbox), one after another in the order they happened.
 */
@Injectable()
export class TaskRunner {
  private readonly logger = new Logger(TaskRunner.name);

  constructor(
    private readonly tasks: TaskRepository,
    private readonly assets: AssetRepository,
    private readonly pool: ProcessingPool,
    @Inject(STORAGE) private readonly storage: Storage,
    @Inject(KILN_CONFIG) private readonly config: KilnConfig,
    private readonly cancels: RunningTaskCancels,
    private readonly cancelRequests: TaskCancelRequests,
  ) {}

  async run(taskId: string, attempt: AttemptInfo): Promise<void> {
    // Watched first, then the marker read: a request made while the job changed hands is seen
    // by one of the two. The marker and the task are read in one round trip.
    const cancel = this.cancels.watch(taskId);
    try {
      const [task, cancelRequested] = await Promise.all([
        this.tasks.load(taskId),
        this.cancelRequests.isRequested(taskId),
      ]);
      if (!task) throw new UnrecoverableError(`Task ${taskId} does not exist`);
      // Cancelled, or a job run again after its task ended (re-added by the start-up check in a
      // race with the end): nothing to do.
      if (isFinal(task.state)) return;
      if (cancelRequested) {
        await this.endCancelled(task);
        return;
      }
      await this.runWatched(task, attempt, cancel.signal);
    } finally {
      cancel.release();
    }
  }

  /** The task was cancelled: it ends so, and the job completes (an abort is not a failure). */
  private async endCancelled(task: Task): Promise<void> {
    task.cancel(undefined, new Date());
    await this.tasks.save(task);
    await this.cancelRequests.clear(task.id);
  }

  private async runWatched(
    task: Task,
    attempt: AttemptInfo,
    cancelled: AbortSignal,
  ): Promise<void> {
    const taskId = task.id;
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
    task.start(new Date());
    await this.tasks.save(task);

    const { type, options } = task.toSnapshot();
    if (type === BENCH_STEP && !this.config.benchSteps) {
      // Queued by an API that allowed it; this worker does not: the same answer on every attempt.
      const error = new ProcessingError(
        'BENCH_STEPS_DISABLED',
        'This worker runs no bench step: set KILN_BENCH_STEPS=1 (never with NODE_ENV=production).',
        false,
      );
      await this.failAttempt(task, asset, error, attempt, new TaskSaves(() => Promise.resolve()));
    }
    const steps: readonly StepName[] = stepsOfTask(asset.kind, type);
    const saves = new TaskSaves((fields) =>
      this.tasks.save(
        task,
        Object.keys(fields).length > 0 ? { assetId: asset.id, fields } : undefined,
      ),
    );
    const reports = new StepReports(
      task,
      steps,
      saves,
      {
        store: (outputs) => this.storeOutputs(outputs),
        fields: (step, outputs, metadata) => this.assets.resultFields(step, outputs, metadata),
      },
      this.config.progressHz,
    );

    let root: string | undefined;
    const removeFolder = async () => {
      const folder = root;
      root = undefined;
      if (folder) await this.removeFolder(folder);
    };
    try {
      // The bench step reads and writes no file: no folder to lay out or remove.
      const folders =
        type === BENCH_STEP
          ? { inputDir: '', primary: '', outputsDir: '', workDir: '' }
          : await this.storage.withLocalCopies(
              [...asset.files.map((file) => file.sha256), ...asset.outputs.map((o) => o.sha256)],
              async (paths) =>
                layOutStepFolder((root = await this.storage.makeTempDir(`task-${taskId}-`)), {
                  files: asset.files.map((file, i) => ({ path: file.path, source: paths[i] })),
                  primary: asset.primary,
                  outputs: asset.outputs.map((output, i) => ({
                    path: output.name,
                    source: paths[asset.files.length + i],
                  })),
                }),
            );
      // One pool call runs every step, so the steps can share work (an image decodes once).
      await this.pool.run(
        { kind: asset.kind, steps, ...folders, options },
        {
          signal: AbortSignal.any([attempt.signal, cancelled]),
          // KILN_STEP_TIMEOUT_MS is a budget per step.
          timeoutMs: this.config.stepTimeoutMs * steps.length,
          onProgress: reports.progress,
          onStepDone: reports.stepDone,
        },
      );
      // Every output is stored (moved out of the folder) before the folder goes, and the folder
      // goes before the task is told done: a client that sees the end finds nothing left behind.
      await saves.settled();
      await removeFolder();
      reports.succeed();
      await saves.settled();
    } catch (error) {
      reports.stop();
      await removeFolder();
      if (cancelled.aborted) {
        // Whatever the pool answered once the thread was terminated, this attempt was cancelled.
        await saves.settled().catch(() => undefined); // the end below is saved either way
        await this.endCancelled(task);
        return;
      }
      if (error instanceof LockLostError) {
        // Another worker holds the task now: a write from here would overwrite its run.
        await saves.settled().catch(() => undefined);
        throw error;
      }
      if (error instanceof WorkerStoppedError) {
        // Shutdown, not the task: queued again (TaskProcessor puts the job back untouched).
        await saves.settled().catch(() => undefined); // the failure below is saved either way
        task.fail(error.info, true, new Date());
        await this.tasks.save(task);
        throw error;
      }
      await this.failAttempt(task, asset, error, attempt, saves);
    }
  }

  /** A folder left behind is only disk space (the start-up sweep takes it): log, do not fail. */
  private async removeFolder(root: string): Promise<void> {
    try {
      await this.storage.removeTemp(root);
    } catch (error) {
      this.logger.error(`Could not remove the task folder ${root}`, error);
    }
  }

  /** Moves handed-off outputs into storage (already hashed in the thread). */
  private storeOutputs(outputs: readonly HandedOffOutput[]): Promise<AssetOutput[]> {
    return Promise.all(
      outputs.map(async ({ name, contentType, path, sha256 }) => {
        const blob = await this.storage.putFile(path, sha256);
        return { name, contentType, bytes: blob.bytes, sha256: blob.sha256 };
      }),
    );
  }

  /**
   * Records the failed attempt after every write before it, then rethrows so BullMQ retries it or
   * fails the job for good.
   */
  private async failAttempt(
    task: Task,
    asset: AssetRecord,
    error: unknown,
    attempt: AttemptInfo,
    saves: TaskSaves,
  ): Promise<never> {
    let current = task;
    try {
      await saves.settled();
    } catch {
      // A save failed, so Redis is behind this task in memory (changes whose save failed):
      // record the failure on what Redis holds. If Redis cannot even be read, BullMQ retries.
      const saved = await this.tasks.load(task.id);
      if (saved?.state !== 'running') throw error;
      current = saved;
    }
    const info = toErrorInfo(error);
    const retryable = !(error instanceof ProcessingError) || error.retryable;
    const willRetry = retryable && attempt.attemptsMade + 1 < attempt.maxAttempts;
    const step = error instanceof ProcessingError ? error.step : undefined;
    this.logger.warn(
      `Task ${task.id} (${asset.kind} ${asset.primary}) failed with ${info.code}${willRetry ? ', retrying' : ''}: ${info.message}`,
    );
    current.fail(info, willRetry, new Date(), step);
    await this.tasks.save(current);
    if (!retryable) throw new UnrecoverableError(`${info.code}: ${info.message}`);
    throw error instanceof Error ? error : new Error(info.message);
  }
}

function toErrorInfo(error: unknown): TaskErrorInfo {
  if (error instanceof ProcessingError) return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}
