import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type Redis from 'ioredis';
import { KILN_CONFIG, type KilnConfig, type KilnRole } from '../config/kiln-config';
import { REDIS } from '../redis/redis.tokens';

export class HealthView {
  @ApiProperty({ enum: ['ok', 'degraded'] }) status!: 'ok' | 'degraded';
  @ApiProperty({ enum: ['up', 'down'], description: 'Whether Redis answered PING within a second' })
  redis!: 'up' | 'down';
  @ApiProperty({ enum: ['api', 'worker', 'all'] }) role!: KilnRole;
  @ApiProperty({ description: 'Seconds since the process started' }) uptime!: number;
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(KILN_CONFIG) private readonly config: KilnConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Liveness (the process answers) and readiness (Redis answers)' })
  @ApiOkResponse({ type: HealthView })
  @ApiServiceUnavailableResponse({ type: HealthView, description: 'Redis does not answer' })
  async check(@Res({ passthrough: true }) response: Response): Promise<HealthView> {
    const redisUp = await Promise.race([
      this.redis.ping().then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => setTimeout(resolve, 1000, false).unref()),
    ]);
    if (!redisUp) response.status(HttpStatus.SERVICE_UNAVAILABLE);
    return {
      status: redisUp ? 'ok' : 'degraded',
      redis: redisUp ? 'up' : 'down',
      role: this.config.role,
      uptime: Math.round(process.uptime()),
    };
  }
}
