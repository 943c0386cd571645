import { Module } from '@nestjs/common';
import { AssetsModule } from '../assets/assets.module';
import { AuthModule } from '../auth/auth.module';
import { StorageModule } from '../storage/storage.module';
import { UploadsController } from './uploads.controller';

/** `POST /uploads`: streamed ingestion, kind sniffing, the asset, and the task that processes it. */
@Module({
  imports: [AuthModule, AssetsModule, StorageModule],
  controllers: [UploadsController],
})
export class UploadsModule {}
