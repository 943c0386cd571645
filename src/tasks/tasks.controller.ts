import {
  Controller,
  DefaultValuePipe,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseIntPipe,
  ParseUUIDPipe,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ErrorBodyDto } from '../errors/error-body.dto';
import type { AuthPrincipal } from '../auth/auth-principal';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import { CancelTaskCommand } from './commands/cancel-task/cancel-task.command';
import { RetryTaskCommand } from './commands/retry-task/retry-task.command';
import { GetTaskQuery } from './queries/get-task/get-task.query';
import { ListTasksQuery } from './queries/list-tasks/list-tasks.query';
import { TaskView } from './queries/task.view';

@ApiTags('tasks')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'No valid token (`UNAUTHORIZED`)' })
@UseGuards(JwtAuthGuard)
@Controller('tasks')
export class TasksController {
  constructor(
    private readonly queries: QueryBus,
    private readonly commands: CommandBus,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Your tasks, newest first' })
  @ApiQuery({
    name: 'limit',
    required: false,
    description: 'At most this many (1-500, default 100)',
  })
  @ApiOkResponse({ type: [TaskView] })
  list(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Query('limit', new DefaultValuePipe(100), ParseIntPipe) limit: number,
  ): Promise<TaskView[]> {
    return this.queries.execute(
      new ListTasksQuery(principal.userId, Math.min(Math.max(limit, 1), 500)),
    );
  }

  @Get(':id')
  @ApiOperation({ summary: 'One task: state, progress, current step, attempts, error' })
  @ApiOkResponse({ type: TaskView })
  @ApiNotFoundResponse({
    type: ErrorBodyDto,
    description: 'No such task of yours (`TASK_NOT_FOUND`)',
  })
  get(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<TaskView> {
    return this.queries.execute(new GetTaskQuery(id, principal.userId));
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Cancel a task',
    description:
      'A queued task never starts; a running one is stopped on whichever worker runs it. The task ends `cancelled` with a `task.cancelled` event, usually within a second.',
  })
  @ApiAcceptedResponse({ description: 'Cancelling; watch for `task.cancelled`' })
  @ApiNotFoundResponse({
    type: ErrorBodyDto,
    description: 'No such task of yours (`TASK_NOT_FOUND`)',
  })
  @ApiConflictResponse({
    type: ErrorBodyDto,
    description:
      'The task has already ended: succeeded, failed or cancelled (`TASK_ALREADY_FINISHED`)',
  })
  async cancel(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    await this.commands.execute(new CancelTaskCommand(id, principal.userId));
  }

  @Post(':id/retry')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Run a failed or cancelled task again',
    description:
      'Queues a new run of the task from its first step: `task.queued`, then `task.started` with the next attempt number.',
  })
  @ApiAcceptedResponse({ description: 'Queued again; watch for `task.queued`' })
  @ApiNotFoundResponse({
    type: ErrorBodyDto,
    description: 'No such task of yours (`TASK_NOT_FOUND`)',
  })
  @ApiConflictResponse({
    type: ErrorBodyDto,
    description: 'The task is neither failed nor cancelled (`TASK_NOT_RETRYABLE`)',
  })
  async retry(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    await this.commands.execute(new RetryTaskCommand(id, principal.userId));
  }
}
