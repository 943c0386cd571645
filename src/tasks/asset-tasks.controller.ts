import { Body, Controller, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AssetRepository } from '../assets/asset.repository';
import type { AuthPrincipal } from '../auth/auth-principal';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import { ErrorBodyDto } from '../errors/error-body.dto';
import { NotFoundError } from '../errors/kiln-error';
import { StartTaskCommand } from './commands/start-task/start-task.command';
import { RunTaskDto, TaskCreatedView } from './dto/run-task.dto';

/**
 * `POST /assets/:id/tasks`: starting a task is the task domain's, so it lives here (tasks reads
 * assets; assets knows nothing of tasks). Listed under `assets` in the API docs, where its URL is.
 */
@ApiTags('assets')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'No valid token (`UNAUTHORIZED`)' })
@UseGuards(JwtAuthGuard)
@Controller('assets')
export class AssetTasksController {
  constructor(
    private readonly assets: AssetRepository,
    private readonly commands: CommandBus,
  ) {}

  @Post(':id/tasks')
  @ApiOperation({
    summary: 'Run the pipeline, or one step of it, again (e.g. `render` at 1024 px)',
  })
  @ApiCreatedResponse({ type: TaskCreatedView })
  @ApiBadRequestResponse({
    type: ErrorBodyDto,
    description:
      'Unknown type or options (`BAD_REQUEST`), or a step this kind has not (`TASK_TYPE_NOT_SUPPORTED`)',
  })
  @ApiNotFoundResponse({
    type: ErrorBodyDto,
    description: 'No such asset of yours (`ASSET_NOT_FOUND`)',
  })
  async run(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: RunTaskDto,
  ): Promise<TaskCreatedView> {
    const asset = await this.assets.getOwned(id, principal.userId);
    if (!asset) throw new NotFoundError('ASSET_NOT_FOUND', `No asset ${id} of yours exists.`);
    return this.commands.execute(
      new StartTaskCommand(
        asset.id,
        asset.kind,
        principal.userId,
        principal.sessionId,
        body.type,
        body.options ?? {},
      ),
    );
  }
}
