import {
  Controller,
  DefaultValuePipe,
  Get,
  Param,
  ParseIntPipe,
  ParseUUIDPipe,
  Query,
  UseGuards,
} from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import {
  ApiBearerAuth,
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
import { GetTaskQuery } from './queries/get-task/get-task.query';
import { ListTasksQuery } from './queries/list-tasks/list-tasks.query';
import { TaskView } from './queries/task.view';

@ApiTags('tasks')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'No valid token (`UNAUTHORIZED`)' })
@UseGuards(JwtAuthGuard)
@Controller('tasks')
export class TasksController {
  constructor(private readonly queries: QueryBus) {}

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
}
