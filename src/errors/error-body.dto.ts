import { ApiProperty } from '@nestjs/swagger';
import type { ErrorBody } from '../contract';

/** Swagger's view of the error body every failing REST call answers (see KilnErrorFilter). */
export class ErrorBodyDto implements ErrorBody {
  @ApiProperty({ example: 401, description: 'The HTTP status, repeated.' })
  statusCode!: number;

  @ApiProperty({ example: 'UNAUTHORIZED', description: 'Stable error code to branch on.' })
  code!: string;

  @ApiProperty({
    example: 'The access token has expired; sign in again.',
    description: 'What happened and what to do, for a person.',
  })
  message!: string;
}
