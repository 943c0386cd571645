import { Controller, HttpCode, HttpStatus, Post, Req, UseGuards } from '@nestjs/common';
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
import { ErrorBodyDto } from '../errors/error-body.dto';
import type { AuthPrincipal } from '../auth/auth-principal';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import { IngestUploadCommand } from './commands/ingest-upload/ingest-upload.command';
import { MAX_FILES_PER_UPLOAD } from './commands/ingest-upload/ingest-upload.handler';
import { UploadResultView } from './upload.view';

@ApiTags('uploads')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'No valid token (`UNAUTHORIZED`)' })
@UseGuards(JwtAuthGuard)
@Controller('uploads')
export class UploadsController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Upload one or more files; they become assets, each with a `process` task',
    description:
      `At most ${MAX_FILES_PER_UPLOAD} files, each at most KILN_MAX_UPLOAD_BYTES. ` +
      'Files that belong together become one asset: a model (.obj, .fbx, .gltf, .glb, .stl, .ply, .dae) with the files it references (an .obj its .mtl and textures, a .gltf its .bin and images), matched by name; every other image is its own. ' +
      'A zip is one asset whose files are its entries: a model with its files, the model its primary. ' +
      'A Substance archive (.sbsar, known by its 7z bytes) is a `substance` asset of its own. ' +
      'All or nothing: a refused upload stores nothing. Answers before any processing starts; follow the tasks on the socket or with GET /tasks/:id.',
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
    description: `Not multipart, no files, more than ${MAX_FILES_PER_UPLOAD} files, a file name that cannot be kept, or an interrupted upload (\`BAD_UPLOAD\`)`,
  })
  @ApiRequestTimeoutResponse({
    type: ErrorBodyDto,
    description: `The body sent no byte for KILN_UPLOAD_IDLE_TIMEOUT_MS (\`UPLOAD_IDLE_TIMEOUT\`); nothing is stored`,
  })
  @ApiPayloadTooLargeResponse({
    type: ErrorBodyDto,
    description:
      'A file is over KILN_MAX_UPLOAD_BYTES (`UPLOAD_TOO_LARGE`), or a zip over KILN_ZIP_MAX_ENTRIES, KILN_ZIP_MAX_BYTES or KILN_ZIP_MAX_RATIO (`ARCHIVE_TOO_LARGE`); nothing is stored',
  })
  @ApiUnsupportedMediaTypeResponse({
    type: ErrorBodyDto,
    description:
      'A file or zip is of no supported kind, or an .mtl/.bin comes without a model that references it, or a zip holds several models side by side (`UNSUPPORTED_KIND`), a zip entry could escape its folder or lies about its size (`UNSAFE_ARCHIVE`), or a zip is corrupt or encrypted (`ARCHIVE_UNREADABLE`); nothing is stored',
  })
  async upload(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Req() request: Request,
  ): Promise<UploadResultView> {
    return this.commands.execute(
      new IngestUploadCommand(request, principal.userId, principal.sessionId),
    );
  }
}
