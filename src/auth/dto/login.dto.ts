import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** Only shape is checked here: any wrong name or password answers the same 401. */
export class LoginDto {
  @ApiProperty({ example: 'ada.lovelace', maxLength: 256 })
  @IsString({ message: 'username must be a string' })
  @IsNotEmpty({ message: 'username must not be empty' })
  @MaxLength(256, { message: 'username must be at most 256 characters long' })
  username!: string;

  @ApiProperty({ example: 'correct horse battery staple', maxLength: 256, format: 'password' })
  @IsString({ message: 'password must be a string' })
  @IsNotEmpty({ message: 'password must not be empty' })
  @MaxLength(256, { message: 'password must be at most 256 characters long' })
  password!: string;
}
