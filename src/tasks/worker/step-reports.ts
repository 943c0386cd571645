import type { AssetOutput } from '../../assets/asset.record';
import type { StepName } from '../../contract';
import type { FinishedStep, HandedOffOutput } from '../../processing/step.types';
import type { Task } from '../domain/task.aggregate';
import { ProgressThrottle } from './progress-throttle';
import type { TaskSaves } from './task-saves';

/** How a finished step's outputs are kept: stored as blobs, then recorded as asset fields. */
export interface OutputRecording {
  store(outputs: readonly HandedOffOutput[]): Promise<AssetOutput[]>;
  fields(
    step: StepName,
    outputs: readonly AssetOutput[],
    metadata?: Record<string, unknown>,
  ): Record<string, string>;
}

/**
 * Turns what the pool reports while a task's steps run into changes of the task, in the order
 * reported: progress, coalesced to `hz` and naming the step that moved; and each step's outputs
 * as it ends, stored and then recorded on the asset with a progress event of that step. Steps
 * may run one after another or at once: the task is as far as the sum of their fractions.
 */
export class StepReports {
  private readonly fractions: number[];
  private readonly outputsByStep: string[][];
  private readonly throttle: ProgressThrottle<{ step: StepName; progress: number; at: Date }>;

  constructor(
    private readonly task: Task,
    private readonly steps: readonly StepName[],
    private readonly saves: TaskSaves,
    private readonly recording: OutputRecording,
    hz: number,
  ) {
    this.fractions = steps.map(() => 0);
    this.outputsByStep = steps.map(() => []);
    this.throttle = new ProgressThrottle(hz, ({ step, progress, at }) =>
      saves.push({ apply: () => task.progress(step, progress, at) }),
    );
  }

  /** `at`: when the step reported it (epoch ms); the event carries that time. */
  readonly progress = (index: number, fraction: number, at = Date.now()): void => {
    this.fractions[index] = Math.max(this.fractions[index], fraction);
    this.throttle.report({
      step: this.steps[index],
      progress: this.wholeProgress(),
      at: new Date(at),
    });
  };

  readonly stepDone = (index: number, { outputs, metadata }: FinishedStep): void => {
    this.fractions[index] = 1;
    const progress = this.wholeProgress();
    const step = this.steps[index];
    // Storing starts now; recording waits its turn behind the changes reported before it.
    let stored: AssetOutput[] = [];
    const ready = this.recording.store(outputs).then((blobs) => (stored = blobs));
    this.saves.push({
      ready,
      apply: () => {
        this.outputsByStep[index] = stored.map((output) => output.name);
        this.task.stepEnded(step, this.outputsByStep[index], progress, new Date());
        return this.recording.fields(step, stored, metadata);
      },
    });
  };

  /** Every step succeeded: the task ends on its last step, with their outputs in step order. */
  succeed(): void {
    this.stop();
    const lastStep = this.steps[this.steps.length - 1];
    this.saves.push({
      apply: () => this.task.succeed(this.outputsByStep.flat(), lastStep, new Date()),
    });
  }

  /** No more progress: a pending report is dropped, so none trails the task's end. */
  stop(): void {
    this.throttle.stop();
  }

  private wholeProgress(): number {
    return (this.fractions.reduce((sum, part) => sum + part, 0) / this.steps.length) * 100;
  }
}
