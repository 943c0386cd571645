import { ApiProperty } from '@nestjs/swagger';
import {
  ASSET_KINDS,
  type AssetFileView as AssetFileContract,
  type AssetKind,
  type AssetOutputView as AssetOutputContract,
  type AssetView as AssetViewContract,
} from '../contract';
import { type AssetRecord, primaryFile } from './asset.record';
import { type OutputUrlSigner, outputPath } from './output-url-signer';

export class AssetOutputView implements AssetOutputContract {
  @ApiProperty({ example: 'thumbnail.png' }) name!: string;
  @ApiProperty({ example: 'image/png' }) contentType!: string;
  @ApiProperty() bytes!: number;
  @ApiProperty({
    example: '/assets/7d0c…/outputs/thumbnail.png',
    description: 'Download path (send the same bearer token)',
  })
  url!: string;
  @ApiProperty({
    example: '/assets/7d0c…/outputs/thumbnail.png?exp=1796472900&sig=…',
    description:
      'The same path with an expiring signature: works without an Authorization header (for `<img src>`, loaders) until `signedUrlExpiresAt`',
  })
  signedUrl!: string;
  @ApiProperty({ format: 'date-time', description: 'When `signedUrl` stops working' })
  signedUrlExpiresAt!: string;

  /** The asset's outputs named in `names` (all when omitted), in the asset's order, with their URLs. */
  static list(
    asset: AssetRecord,
    signer: OutputUrlSigner,
    names?: readonly string[],
  ): AssetOutputView[] {
    return asset.outputs
      .filter((output) => !names || names.includes(output.name))
      .map(({ name, contentType, bytes }) => {
        const signed = signer.signedUrl(asset, name);
        return {
          name,
          contentType,
          bytes,
          url: outputPath(asset.id, name),
          signedUrl: signed.url,
          signedUrlExpiresAt: signed.expiresAt,
        };
      });
  }
}

export class AssetFileView implements AssetFileContract {
  @ApiProperty({ example: 'textures/wood.jpg', description: 'Relative, `/`-separated' })
  path!: string;
  @ApiProperty() bytes!: number;
  @ApiProperty({ description: 'SHA-256 of the bytes, hex' }) sha256!: string;
  @ApiProperty({ example: 'image/jpeg' }) contentType!: string;
}

/** An asset as `GET /assets/:id` shows it. */
export class AssetView implements AssetViewContract {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: "The primary file's name" }) filename!: string;
  @ApiProperty({ enum: ASSET_KINDS }) kind!: AssetKind;
  @ApiProperty({ example: 'png', description: "The primary file's format, sniffed from its bytes" })
  format!: string;
  @ApiProperty({ description: "The primary file's size in bytes" }) bytes!: number;
  @ApiProperty({ description: "SHA-256 of the primary file's bytes, hex" }) sha256!: string;
  @ApiProperty({ type: [AssetFileView], description: 'Every file of the asset' })
  files!: AssetFileView[];
  @ApiProperty({ description: '`path` of the primary file in `files`' }) primary!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'What inspection found; for images: width, height, channels, colorSpace, hasAlpha, dominantColor, format',
  })
  metadata!: Record<string, unknown>;
  @ApiProperty({ type: [AssetOutputView] }) outputs!: AssetOutputView[];

  static of(asset: AssetRecord, signer: OutputUrlSigner): AssetView {
    const { id, kind, format, primary, createdAt, metadata } = asset;
    const main = primaryFile(asset);
    const outputs = AssetOutputView.list(asset, signer);
    const files = asset.files.map((file) => ({ ...file }));
    const filename = primary.slice(primary.lastIndexOf('/') + 1);
    return {
      id,
      filename,
      kind,
      format,
      bytes: main.bytes,
      sha256: main.sha256,
      files,
      primary,
      createdAt,
      metadata,
      outputs,
    };
  }
}
