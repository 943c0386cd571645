import { Module } from '@nestjs/common';
import { AssetsModule } from '../assets/assets.module';
import { AuthModule } from '../auth/auth.module';
import { StorageModule } from '../storage/storage.module';
import { IngestUploadHandler } from './commands/ingest-upload/ingest-upload.handler';
import { ASSET_GROUPINGS, ASSET_GROUPINGS_TOKEN } from './grouping/asset-groupings';
import { UploadsController } from './uploads.controller';

const controllers = [UploadsController];
const commandHandlers = [IngestUploadHandler];
const groupings = [{ provide: ASSET_GROUPINGS_TOKEN, useValue: ASSET_GROUPINGS }];

/** `POST /uploads`: streamed ingestion, safe zip extraction, sniffing, grouping into assets, and their tasks. */
@Module({
  imports: [AuthModule, AssetsModule, StorageModule],
  controllers,
  providers: [...commandHandlers, ...groupings],
})
export class UploadsModule {}
