import {
  Controller,
  DefaultValuePipe,
  Get,
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
  ApiProduces,
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
  })
  @ApiProduces('application/octet-stream', 'image/png', 'image/webp', 'application/json')
  @ApiOkResponse({ description: 'The bytes' })
  @ApiNotFoundResponse({
    type: ErrorBodyDto,
    description:
      'No such asset of yours (`ASSET_NOT_FOUND`) or no such output (`OUTPUT_NOT_FOUND`)',
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
      response.sendFile(this.storage.localPath(output.sha256), { lastModified: false }, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
  }

  private async owned(id: string, principal: AuthPrincipal): Promise<AssetRecord> {
    const asset = await this.assets.getOwned(id, principal.userId);
    if (!asset) throw new NotFoundError('ASSET_NOT_FOUND', `No asset ${id} of yours exists.`);
    return asset;
  }
}
