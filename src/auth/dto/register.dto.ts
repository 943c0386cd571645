import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';

export const USERNAME_PATTERN = /^[a-zA-Z0-9_.-]{3,32}$/;

export class RegisterDto {
  @ApiProperty({
    example: 'ada.lovelace',
    minLength: 3,
    maxLength: 32,
    pattern: USERNAME_PATTERN.source,
    description: 'Letters, digits, `_`, `.` or `-`; unique regardless of case.',
  })
  @IsString({ message: 'username must be a string' })
  @Matches(USERNAME_PATTERN, {
    message: 'username must be 3 to 32 characters: letters, digits, _ . or -',
  })
  username!: string;

  @ApiProperty({
    example: 'correct horse battery staple',
    minLength: 8,
    maxLength: 256,
    format: 'password',
  })
  @IsString({ message: 'password must be a string' })
  @Length(8, 256, { message: 'password must be 8 to 256 characters long' })
  password!: string;
}
