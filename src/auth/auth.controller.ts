import { Body, Controller, HttpCode, HttpStatus, Ip, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorBodyDto } from '../errors/error-body.dto';
import { AuthPrincipal } from './auth-principal';
import { AuthService } from './auth.service';
import { CurrentPrincipal } from './current-principal.decorator';
import { AccessTokenDto } from './dto/access-token.dto';
import { LoginDto } from './dto/login.dto';
import { RegisterDto } from './dto/register.dto';
import { RegisteredUserDto } from './dto/registered-user.dto';
import { JwtAuthGuard } from './jwt-auth.guard';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Create an account',
    description: 'Usernames are unique regardless of case.',
  })
  @ApiBody({ type: RegisterDto })
  @ApiResponse({
    status: HttpStatus.CREATED,
    description: 'The account was created.',
    type: RegisteredUserDto,
  })
  @ApiResponse({
    status: HttpStatus.BAD_REQUEST,
    description: '`BAD_REQUEST`: the username or password breaks the rules above.',
    type: ErrorBodyDto,
  })
  @ApiResponse({
    status: HttpStatus.CONFLICT,
    description: '`USERNAME_TAKEN`: someone has that username.',
    type: ErrorBodyDto,
  })
  register(@Body() body: RegisterDto): Promise<RegisteredUserDto> {
    return this.auth.register(body.username, body.password);
  }

  @Post('login')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Sign in',
    description:
      'Opens a session and answers its access token. The token works until it expires or the session is signed out.',
  })
  @ApiBody({ type: LoginDto })
  @ApiResponse({ status: HttpStatus.OK, description: 'Signed in.', type: AccessTokenDto })
  @ApiResponse({
    status: HttpStatus.BAD_REQUEST,
    description: '`BAD_REQUEST`: username or password missing.',
    type: ErrorBodyDto,
  })
  @ApiResponse({
    status: HttpStatus.UNAUTHORIZED,
    description: '`INVALID_CREDENTIALS`: wrong username or password (the same answer for both).',
    type: ErrorBodyDto,
  })
  @ApiResponse({
    status: HttpStatus.TOO_MANY_REQUESTS,
    description:
      '`TOO_MANY_ATTEMPTS`: too many failed sign-ins for this username or from this address ' +
      '(KILN_LOGIN_MAX_FAILURES_PER_USER, KILN_LOGIN_MAX_FAILURES_PER_ADDRESS within ' +
      'KILN_LOGIN_FAILURE_WINDOW); `Retry-After` says in how many seconds to try again.',
    type: ErrorBodyDto,
    headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
  })
  login(@Body() body: LoginDto, @Ip() address: string): Promise<AccessTokenDto> {
    return this.auth.login(body.username, body.password, address);
  }

  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @UseGuards(JwtAuthGuard)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Sign out',
    description:
      "Ends the token's session: its tokens stop working and its sockets are disconnected.",
  })
  @ApiResponse({ status: HttpStatus.NO_CONTENT, description: 'Signed out.' })
  @ApiResponse({
    status: HttpStatus.UNAUTHORIZED,
    description:
      '`UNAUTHORIZED`: no token, a bad or expired one, or the session has already ended.',
    type: ErrorBodyDto,
  })
  async logout(@CurrentPrincipal() principal: AuthPrincipal): Promise<void> {
    await this.auth.logout(principal);
  }
}
