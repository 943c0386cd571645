import { ApiProperty } from '@nestjs/swagger';
import type { RegisteredUser } from '../auth.service';

export class RegisteredUserDto implements RegisteredUser {
  @ApiProperty({ example: '0b6c1f9e-3a51-4d6e-9a53-5f3b6f3e2d4c', format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'ada.lovelace' })
  username!: string;
}
