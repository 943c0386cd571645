import { DynamicModule, Global, Module } from '@nestjs/common';
import { KILN_CONFIG, KilnConfig } from './kiln-config';

/** Holds the config object that main.ts built and validated before Nest started. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: KilnConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: KILN_CONFIG, useValue: config }],
      exports: [KILN_CONFIG],
    };
  }
}
