import { Controller, HttpCode, HttpStatus, Inject, Post, Req, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiRequestTimeoutResponse,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import { AssetRepository } from '../assets/asset.repository';
import { ErrorBodyDto } from '../errors/error-body.dto';
import type { AuthPrincipal } from '../auth/auth-principal';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import { KILN_CONFIG, type KilnConfig } from '../config/kiln-config';
import { STORAGE, type Storage } from '../storage/storage';
import { StartTaskCommand } from '../tasks/commands/start-task/start-task.command';
import { SNIFF_BYTES, sniffKind } from './kind-sniff';
import { ingestMultipart } from './multipart-ingest';
import { UnsupportedKindError } from './upload.errors';
import { UploadedAssetView, UploadResultView } from './upload.view';

/** Most files one request may carry. */
const MAX_FILES_PER_UPLOAD = 100;

@ApiTags('uploads')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'No valid token (`UNAUTHORIZED`)' })
@UseGuards(JwtAuthGuard)
@Controller('uploads')
export class UploadsController {
  constructor(
    private readonly assets: AssetRepository,
    private readonly commands: CommandBus,
    @Inject(STORAGE) private readonly storage: Storage,
    @Inject(KILN_CONFIG) private readonly config: KilnConfig,
  ) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Upload one or more files; each becomes an asset with a `process` task',
    description: `At most ${MAX_FILES_PER_UPLOAD} files, each at most KILN_MAX_UPLOAD_BYTES. Answers before any processing starts; follow the tasks on the socket or with GET /tasks/:id.`,
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['files'],
      properties: {
        files: {
          type: 'array',
          maxItems: MAX_FILES_PER_UPLOAD,
          items: { type: 'string', format: 'binary' },
        },
      },
    },
  })
  @ApiCreatedResponse({ type: UploadResultView })
  @ApiBadRequestResponse({
    type: ErrorBodyDto,
    description: `Not multipart, no files, more than ${MAX_FILES_PER_UPLOAD} files, or an interrupted upload (\`BAD_UPLOAD\`)`,
  })
  @ApiRequestTimeoutResponse({
    type: ErrorBodyDto,
    description: `The body sent no byte for KILN_UPLOAD_IDLE_TIMEOUT_MS (\`UPLOAD_IDLE_TIMEOUT\`); nothing is stored`,
  })
  @ApiPayloadTooLargeResponse({
    type: ErrorBodyDto,
    description: 'A file is over KILN_MAX_UPLOAD_BYTES (`UPLOAD_TOO_LARGE`); nothing is stored',
  })
  @ApiUnsupportedMediaTypeResponse({
    type: ErrorBodyDto,
    description: 'A file is of no supported kind (`UNSUPPORTED_KIND`); nothing is stored',
  })
  async upload(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Req() request: Request,
  ): Promise<UploadResultView> {
    const files = await ingestMultipart(
      request,
      {
        maxFileBytes: this.config.maxUploadBytes,
        maxFiles: MAX_FILES_PER_UPLOAD,
        headBytes: SNIFF_BYTES,
        idleTimeoutMs: this.config.uploadIdleTimeoutMs,
      },
      () => this.storage.tempPath('.upload'),
      (path) => this.storage.removeTemp(path),
    );
    const sniffed = files.map((file) => ({ file, kind: sniffKind(file.head, file.filename) }));
    const unsupported = sniffed.find(({ kind }) => kind === undefined);
    if (unsupported) {
      await Promise.all(files.map((file) => this.storage.removeTemp(file.tempPath)));
      throw new UnsupportedKindError(unsupported.file.filename);
    }

    const uploaded: UploadedAssetView[] = [];
    for (const { file, kind } of sniffed) {
      if (!kind) continue; // excluded above; narrows the type
      const blob = await this.storage.putFile(file.tempPath, file.sha256);
      const asset = await this.assets.create({
        id: randomUUID(),
        ownerId: principal.userId,
        kind: kind.kind,
        format: kind.format,
        files: [
          {
            path: file.filename,
            bytes: blob.bytes,
            sha256: blob.sha256,
            contentType: `image/${kind.format}`,
          },
        ],
        primary: file.filename,
        createdAt: new Date().toISOString(),
      });
      const { taskId } = await this.commands.execute(
        new StartTaskCommand(
          asset.id,
          asset.kind,
          principal.userId,
          principal.sessionId,
          'process',
        ),
      );
      uploaded.push({
        id: asset.id,
        filename: file.filename,
        kind: asset.kind,
        bytes: blob.bytes,
        sha256: blob.sha256,
        taskId,
      });
    }
    return { assets: uploaded };
  }
}
