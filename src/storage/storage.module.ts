import { Module } from '@nestjs/common';
import { LocalStorage } from './local-storage';
import { STORAGE } from './storage';

/**
 * Provides `STORAGE` (the local-filesystem store). Its folders are created when the module
 * initialises (LocalStorage.onModuleInit). Needs KILN_CONFIG from the global ConfigModule.
 */
@Module({
  providers: [{ provide: STORAGE, useClass: LocalStorage }],
  exports: [STORAGE],
})
export class StorageModule {}
