import { type DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { resolveJwtSecret } from '../auth/jwt-secret';
import { KILN_CONFIG, type KilnConfig } from '../config/kiln-config';
import { StorageModule } from '../storage/storage.module';
import { AssetOutputsController } from './asset-outputs.controller';
import { AssetRepository } from './asset.repository';
import { AssetsController } from './assets.controller';
import { OutputUrlSigner } from './output-url-signer';

const outputUrlSigner = {
  provide: OutputUrlSigner,
  inject: [KILN_CONFIG],
  useFactory: async (config: KilnConfig) =>
    new OutputUrlSigner(await resolveJwtSecret(config), config.outputUrlTtlSeconds),
};

/**
 * Asset records. Import the module itself for the repository and the output URL signer (views
 * that list outputs need it); the API root uses `withApi()` for the REST calls.
 */
@Module({
  providers: [AssetRepository, outputUrlSigner],
  exports: [AssetRepository, OutputUrlSigner],
})
export class AssetsModule {
  static withApi(): DynamicModule {
    return {
      module: AssetsModule,
      imports: [AuthModule, StorageModule],
      controllers: [AssetsController, AssetOutputsController],
    };
  }
}
