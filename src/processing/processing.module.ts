import { Module } from '@nestjs/common';
import { ProcessingPool } from './processing-pool';

/** The worker-thread pool that runs processing steps. KILN_CONFIG comes from the global ConfigModule. */
@Module({
  providers: [ProcessingPool],
  exports: [ProcessingPool],
})
export class ProcessingModule {}
