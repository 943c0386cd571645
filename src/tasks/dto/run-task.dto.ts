import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional } from 'class-validator';
import { describeStepOptions } from '../../processing/step-options';
import {
  TASK_TYPES,
  type TaskCreatedView as TaskCreatedContract,
  type TaskType,
} from '../../contract';

export class RunTaskDto {
  @ApiProperty({
    enum: TASK_TYPES,
    example: 'render',
    description: '`process` runs the whole pipeline again; a step name runs that step alone',
  })
  @IsIn(TASK_TYPES)
  type!: TaskType;

  @ApiPropertyOptional({
    example: { size: 1024 },
    description: `Options of the task's steps (a \`process\` task takes those of every step of its pipeline); any other key is refused with \`INVALID_OPTIONS\`:\n${describeStepOptions()}`,
  })
  @IsOptional()
  @IsObject()
  options?: Record<string, unknown>;
}

export class TaskCreatedView implements TaskCreatedContract {
  @ApiProperty({ format: 'uuid' }) taskId!: string;
}
