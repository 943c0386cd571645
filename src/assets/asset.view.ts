import { ApiProperty } from '@nestjs/swagger';
import type { AssetKind } from '../realtime/realtime.contract';
import type { AssetRecord } from './asset.record';

export class AssetOutputView {
  @ApiProperty({ example: 'thumbnail.png' }) name!: string;
  @ApiProperty({ example: 'image/png' }) contentType!: string;
  @ApiProperty() bytes!: number;
  @ApiProperty({
    example: '/assets/7d0c…/outputs/thumbnail.png',
    description: 'Download path (send the same bearer token)',
  })
  url!: string;
}

/** An asset as `GET /assets/:id` shows it. */
export class AssetView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() filename!: string;
  @ApiProperty({ enum: ['image', 'mesh', 'texture-set', 'substance'] }) kind!: AssetKind;
  @ApiProperty({ example: 'png', description: 'The format sniffed from the bytes' })
  format!: string;
  @ApiProperty() bytes!: number;
  @ApiProperty({ description: 'SHA-256 of the uploaded bytes, hex' }) sha256!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'What inspection found; for images: width, height, channels, colorSpace, hasAlpha, dominantColor, format',
  })
  metadata!: Record<string, unknown>;
  @ApiProperty({ type: [AssetOutputView] }) outputs!: AssetOutputView[];

  static of(asset: AssetRecord): AssetView {
    const { id, filename, kind, format, bytes, sha256, createdAt, metadata } = asset;
    const outputs = asset.outputs.map(({ name, contentType, bytes: size }) => ({
      name,
      contentType,
      bytes: size,
      url: `/assets/${id}/outputs/${encodeURIComponent(name)}`,
    }));
    return { id, filename, kind, format, bytes, sha256, createdAt, metadata, outputs };
  }
}
