import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { StepName, TaskState, TaskType } from '../../realtime/realtime.contract';
import type { TaskSnapshot } from '../domain/task.aggregate';

export class TaskErrorView {
  @ApiProperty({ example: 'IMAGE_CORRUPT' }) code!: string;
  @ApiProperty({ example: 'The file could not be decoded as a PNG image.' }) message!: string;
}

/** A task as `GET /tasks/:id` shows it. */
export class TaskView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) assetId!: string;
  @ApiProperty({
    enum: ['process', 'inspect', 'convert', 'optimize', 'render', 'pack', 'variants'],
  })
  type!: TaskType;
  @ApiProperty({ enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] })
  state!: TaskState;
  @ApiProperty({ minimum: 0, maximum: 100, description: 'Whole-task progress in percent' })
  progress!: number;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The step running now, or the last one run',
  })
  step!: StepName | null;
  @ApiProperty({ description: 'How many times the task has started running' }) attempts!: number;
  @ApiPropertyOptional({ type: TaskErrorView }) error?: TaskErrorView;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;

  static of(snapshot: TaskSnapshot): TaskView {
    const { id, assetId, type, state, progress, step, attempts, error, createdAt, updatedAt } =
      snapshot;
    return {
      id,
      assetId,
      type,
      state,
      progress,
      step,
      attempts,
      ...(error ? { error } : {}),
      createdAt,
      updatedAt,
    };
  }
}
