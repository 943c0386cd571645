import { ApiProperty } from '@nestjs/swagger';
import type { AssetKind } from '../realtime/realtime.contract';

export class UploadedAssetView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() filename!: string;
  @ApiProperty({ enum: ['image', 'mesh', 'texture-set', 'substance'] }) kind!: AssetKind;
  @ApiProperty() bytes!: number;
  @ApiProperty({ description: 'SHA-256 of the bytes, hex' }) sha256!: string;
  @ApiProperty({ format: 'uuid', description: 'The `process` task started for this asset' })
  taskId!: string;
}

export class UploadResultView {
  @ApiProperty({ type: [UploadedAssetView] }) assets!: UploadedAssetView[];
}
