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
import { NotFoundError } from '../errors/kiln-error';
import type { AssetRecord } from './asset.record';
import { AssetRepository } from './asset.repository';
import { AssetView } from './asset.view';
import { OutputUrlSigner } from './output-url-signer';

@ApiTags('assets')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'No valid token (`UNAUTHORIZED`)' })
@UseGuards(JwtAuthGuard)
@Controller('assets')
export class AssetsController {
  constructor(
    private readonly assets: AssetRepository,
    private readonly signer: OutputUrlSigner,
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
    return assets.map((asset) => AssetView.of(asset, this.signer));
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
    return AssetView.of(await this.owned(id, principal), this.signer);
  }

  private async owned(id: string, principal: AuthPrincipal): Promise<AssetRecord> {
    const asset = await this.assets.getOwned(id, principal.userId);
    if (!asset) throw new NotFoundError('ASSET_NOT_FOUND', `No asset ${id} of yours exists.`);
    return asset;
  }
}
