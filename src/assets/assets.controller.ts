import {
  Controller,
  DefaultValuePipe,
  Get,
  HttpStatus,
  Inject,
  Param,
  ParseIntPipe,
  ParseUUIDPipe,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiHeader,
  ApiResponse,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ErrorBodyDto } from '../errors/error-body.dto';
import type { AuthPrincipal } from '../auth/auth-principal';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import { NotFoundError } from '../errors/kiln-error';
import { STORAGE, type Storage } from '../storage/storage';
import type { AssetRecord } from './asset.record';
import { AssetRepository } from './asset.repository';
import { AssetView } from './asset.view';
import { RangeNotSatisfiableError } from './output-download.errors';

/** What an output can be today (its `contentType`): the bytes, described once for 200 and 206. */
const OUTPUT_CONTENT = Object.fromEntries(
  ['image/png', 'image/webp', 'application/json'].map((type) => [
    type,
    { schema: { type: 'string', format: 'binary' } },
  ]),
);

@ApiTags('assets')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'No valid token (`UNAUTHORIZED`)' })
@UseGuards(JwtAuthGuard)
@Controller('assets')
export class AssetsController {
  constructor(
    private readonly assets: AssetRepository,
    @Inject(STORAGE) private readonly storage: Storage,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Your assets, newest first' })
  @ApiQuery({
    name: 'limit',
    required: false,
    description: 'At most this many (1-500, default 100)',
  })
  @ApiOkResponse({ type: [AssetView] })
  async list(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Query('limit', new DefaultValuePipe(100), ParseIntPipe) limit: number,
  ): Promise<AssetView[]> {
    const assets = await this.assets.listOwned(principal.userId, Math.min(Math.max(limit, 1), 500));
    return assets.map((asset) => AssetView.of(asset));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One asset with its metadata and outputs' })
  @ApiOkResponse({ type: AssetView })
  @ApiNotFoundResponse({
    type: ErrorBodyDto,
    description: 'No such asset of yours (`ASSET_NOT_FOUND`)',
  })
  async get(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<AssetView> {
    return AssetView.of(await this.owned(id, principal));
  }

  @Get(':id/outputs/:name')
  @ApiOperation({
    summary: 'Download one output; supports Range and If-None-Match (the ETag is the SHA-256)',
    description:
      "`Content-Type` is the output's `contentType` as the asset lists it. One range per request.",
  })
  @ApiHeader({ name: 'Range', required: false, description: 'One byte range, e.g. `bytes=0-1023`' })
  @ApiHeader({ name: 'If-None-Match', required: false, description: 'An ETag you hold' })
  @ApiOkResponse({
    description: 'The whole output',
    content: OUTPUT_CONTENT,
    headers: {
      ETag: { description: 'The SHA-256 of the bytes, quoted', schema: { type: 'string' } },
      'Accept-Ranges': { description: '`bytes`', schema: { type: 'string' } },
    },
  })
  @ApiResponse({
    status: HttpStatus.PARTIAL_CONTENT,
    description: 'The range asked for with `Range`',
    content: OUTPUT_CONTENT,
    headers: {
      'Content-Range': { description: '`bytes <first>-<last>/<size>`', schema: { type: 'string' } },
    },
  })
  @ApiResponse({
    status: HttpStatus.NOT_MODIFIED,
    description: '`If-None-Match` holds the current ETag: no body',
  })
  @ApiNotFoundResponse({
    type: ErrorBodyDto,
    description:
      'No such asset of yours (`ASSET_NOT_FOUND`) or no such output (`OUTPUT_NOT_FOUND`)',
  })
  @ApiResponse({
    status: HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
    type: ErrorBodyDto,
    description: 'No byte of the output is in the `Range` (`RANGE_NOT_SATISFIABLE`)',
    headers: {
      'Content-Range': { description: '`bytes */<size>`', schema: { type: 'string' } },
    },
  })
  async download(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('name') name: string,
    @Res() response: Response,
  ): Promise<void> {
    const asset = await this.owned(id, principal);
    const output = asset.outputs.find((candidate) => candidate.name === name);
    if (!output)
      throw new NotFoundError(
        'OUTPUT_NOT_FOUND',
        `Asset ${id} has no output "${name}" (yet); see its outputs list.`,
      );
    response.setHeader('Content-Type', output.contentType);
    // Content-addressed, so the hash is a strong ETag; express's send answers 304 and ranges from it.
    response.setHeader('ETag', `"${output.sha256}"`);
    response.setHeader('Cache-Control', 'private, max-age=0, must-revalidate');
    await new Promise<void>((resolve, reject) =>
      response.sendFile(
        this.storage.localPath(output.sha256),
        { lastModified: false },
        (error?: Error & { status?: number; code?: string }) => {
          if (!error) return resolve();
          // The client went away mid-download: there is no one left to answer.
          if (error.code === 'ECONNABORTED') return resolve();
          if (error.status === HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            return reject(new RangeNotSatisfiableError(name, output.bytes));
          reject(error);
        },
      ),
    );
  }

  private async owned(id: string, principal: AuthPrincipal): Promise<AssetRecord> {
    const asset = await this.assets.getOwned(id, principal.userId);
    if (!asset) throw new NotFoundError('ASSET_NOT_FOUND', `No asset ${id} of yours exists.`);
    return asset;
  }
}
