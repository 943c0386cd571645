import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  STEP_NAMES,
  TASK_STATES,
  TASK_TYPES,
  type StepName,
  type TaskState,
  type TaskType,
  type TaskView as TaskViewContract,
} from '../../contract';
import { AssetOutputView } from '../../assets/asset.view';
import type { TaskSnapshot } from '../domain/task.aggregate';

export class TaskErrorView {
  @ApiProperty({ example: 'IMAGE_CORRUPT' }) code!: string;
  @ApiProperty({ example: 'The file could not be decoded as a PNG image.' }) message!: string;
}

/** A task as `GET /tasks/:id` shows it. */
export class TaskView implements TaskViewContract {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) assetId!: string;
  @ApiProperty({ enum: TASK_TYPES }) type!: TaskType;
  @ApiProperty({ enum: TASK_STATES }) state!: TaskState;
  @ApiProperty({ minimum: 0, maximum: 100, description: 'Whole-task progress in percent' })
  progress!: number;
  @ApiProperty({
    nullable: true,
    enum: STEP_NAMES,
    description: "The step that last moved; a finished task's last step",
  })
  step!: StepName | null;
  @ApiProperty({ description: 'How many times the task has started running' }) attempts!: number;
  @ApiPropertyOptional({ type: TaskErrorView }) error?: TaskErrorView;
  @ApiProperty({
    type: [String],
    example: ['metadata.json', 'thumbnail.png'],
    description: 'Outputs this task left on its asset so far',
  })
  outputs!: string[];
  @ApiProperty({
    type: [AssetOutputView],
    description:
      'Those outputs as the asset lists them: type, size, download path and a signed URL that needs no Authorization header',
  })
  outputFiles!: AssetOutputView[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;

  /** `outputFiles`: the asset's outputs (`AssetOutputView.list`) that this task's `outputs` name. */
  static of(snapshot: TaskSnapshot, outputFiles: AssetOutputView[]): TaskView {
    const { id, assetId, type, state, progress, step, attempts, error, outputs } = snapshot;
    const { createdAt, updatedAt } = snapshot;
    return {
      id,
      assetId,
      type,
      state,
      progress,
      step,
      attempts,
      ...(error ? { error } : {}),
      outputs: [...outputs],
      outputFiles,
      createdAt,
      updatedAt,
    };
  }
}
