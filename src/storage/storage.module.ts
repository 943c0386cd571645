import { Module } from '@nestjs/common';
import { KILN_CONFIG, type KilnConfig } from '../config/kiln-config';
import { LocalStorage } from './local-storage';
import { S3Storage } from './s3-storage';
import { STORAGE } from './storage';

/**
 * Provides `STORAGE`: the local-filesystem store, or the S3 bucket when `KILN_STORAGE=s3` (main.ts
 * has checked the bucket before Nest starts). Its folders are created when the module initialises.
 * Needs KILN_CONFIG from the global ConfigModule.
 */
@Module({
  providers: [
    {
      provide: STORAGE,
      inject: [KILN_CONFIG],
      useFactory: (config: KilnConfig) =>
        config.storage === 's3' && config.s3
          ? new S3Storage(config, config.s3)
          : new LocalStorage(config),
    },
  ],
  exports: [STORAGE],
})
export class StorageModule {}
