import { ApiProperty } from '@nestjs/swagger';
import {
  ASSET_KINDS,
  type AssetKind,
  type UploadedAssetView as UploadedAssetContract,
  type UploadResultView as UploadResultContract,
} from '../contract';

export class UploadedAssetView implements UploadedAssetContract {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() filename!: string;
  @ApiProperty({ enum: ASSET_KINDS }) kind!: AssetKind;
  @ApiProperty() bytes!: number;
  @ApiProperty({ description: 'SHA-256 of the bytes, hex' }) sha256!: string;
  @ApiProperty({ format: 'uuid', description: 'The `process` task started for this asset' })
  taskId!: string;
}

export class UploadResultView implements UploadResultContract {
  @ApiProperty({ type: [UploadedAssetView] }) assets!: UploadedAssetView[];
}
