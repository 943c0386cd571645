import { type DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { StorageModule } from '../storage/storage.module';
import { AssetRepository } from './asset.repository';
import { AssetsController } from './assets.controller';

/** Asset records. Import the module itself for the repository; the API root uses `withApi()` for the REST calls. */
@Module({
  providers: [AssetRepository],
  exports: [AssetRepository],
})
export class AssetsModule {
  static withApi(): DynamicModule {
    return {
      module: AssetsModule,
      imports: [AuthModule, StorageModule],
      controllers: [AssetsController],
    };
  }
}
