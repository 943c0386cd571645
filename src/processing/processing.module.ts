import { type DynamicModule, Module } from '@nestjs/common';
import {
  PROCESSING_POOL_OPTIONS,
  ProcessingPool,
  type ProcessingPoolOptions,
} from './processing-pool';

/** The worker-thread pool that runs processing steps. Imports no other module of ours. */
@Module({})
export class ProcessingModule {
  static forRoot(options: ProcessingPoolOptions): DynamicModule {
    return {
      module: ProcessingModule,
      providers: [{ provide: PROCESSING_POOL_OPTIONS, useValue: options }, ProcessingPool],
      exports: [ProcessingPool],
    };
  }
}
