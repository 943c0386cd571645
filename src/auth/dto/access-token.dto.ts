import { ApiProperty } from '@nestjs/swagger';
import type { IssuedToken } from '../auth.service';

export class AccessTokenDto implements IssuedToken {
  @ApiProperty({
    description:
      'Send as `Authorization: Bearer <token>`, and as `auth.token` in the Socket.IO handshake.',
    example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…',
  })
  accessToken!: string;

  @ApiProperty({
    description: 'The session this token belongs to.',
    format: 'uuid',
    example: '5d0f4e0a-8f7e-4b8e-a1a2-0c6b2a4a9f11',
  })
  sessionId!: string;

  @ApiProperty({
    description: 'When the token and its session expire (ISO 8601).',
    format: 'date-time',
    example: '2025-01-01T13:00:00.000Z',
  })
  expiresAt!: string;
}
