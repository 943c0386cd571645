import { Inject, Injectable } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { JsonWebTokenError, JwtService, TokenExpiredError } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { KILN_CONFIG, KilnConfig } from '../config/kiln-config';
import { AuthPrincipal } from './auth-principal';
import { InvalidCredentialsError, UnauthorizedError, UsernameTakenError } from './auth.errors';
import { LoginThrottle } from './login-throttle';
import { PasswordHasher } from './password-hasher';
import { SessionEndedEvent } from './session-ended.event';
import { SessionRepository } from './session.repository';
import { UserRepository } from './user.repository';

/** The claims of a Kiln access token. */
export interface AccessTokenClaims {
  /** User id. */
  sub: string;
  /** Session id. */
  sid: string;
  /** Username. */
  name: string;
  iat: number;
  exp: number;
}

export interface RegisteredUser {
  id: string;
  username: string;
}

export interface IssuedToken {
  accessToken: string;
  sessionId: string;
  /** ISO time the token and its session expire. */
  expiresAt: string;
}

/** Registration, sign-in and sign-out, and the check every authenticated request and socket goes through. */
@Injectable()
export class AuthService {
  /** Checked against when the user does not exist, so a wrong name costs as long as a wrong password. */
  private decoyHash: Promise<string> | undefined;

  constructor(
    private readonly users: UserRepository,
    private readonly sessions: SessionRepository,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly jwt: JwtService,
    private readonly eventBus: EventBus,
    @Inject(KILN_CONFIG) private readonly config: Pick<KilnConfig, 'jwtTtlSeconds'>,
  ) {}

  /** @throws UsernameTakenError (409 `USERNAME_TAKEN`) */
  async register(username: string, password: string): Promise<RegisteredUser> {
    // Checked first so a taken name costs no hashing; create() still decides a race.
    if (await this.users.findByUsername(username)) throw new UsernameTakenError(username);
    const user = {
      id: randomUUID(),
      username,
      passwordHash: await this.hasher.hash(password),
      createdAt: new Date().toISOString(),
    };
    if (!(await this.users.create(user))) throw new UsernameTakenError(username);
    return { id: user.id, username: user.username };
  }

  /**
   * Opens a session and issues its token. `address` is the caller's, for the failed-login limits.
   * @throws InvalidCredentialsError (401 `INVALID_CREDENTIALS`)
   * @throws TooManyAttemptsError (429 `TOO_MANY_ATTEMPTS`) before any password is checked
   */
  async login(username: string, password: string, address: string): Promise<IssuedToken> {
    const attempt = { username, address };
    await this.throttle.begin(attempt);
    const user = await this.users.findByUsername(username);
    if (!user) {
      await this.hasher.verify(password, await this.getDecoyHash());
      throw new InvalidCredentialsError();
    }
    if (!(await this.hasher.verify(password, user.passwordHash)))
      throw new InvalidCredentialsError();
    await this.throttle.succeeded(attempt);

    const sessionId = randomUUID();
    const now = new Date();
    await this.sessions.create(sessionId, {
      userId: user.id,
      username: user.username,
      createdAt: now.toISOString(),
    });
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + this.config.jwtTtlSeconds;
    const claims: AccessTokenClaims = {
      sub: user.id,
      sid: sessionId,
      name: user.username,
      iat,
      exp,
    };
    const accessToken = await this.jwt.signAsync(claims);
    return { accessToken, sessionId, expiresAt: new Date(exp * 1000).toISOString() };
  }

  /** Ends the session (its tokens stop working), then announces it so its sockets are closed. */
  async logout(principal: AuthPrincipal): Promise<void> {
    await this.sessions.delete(principal.sessionId);
    this.eventBus.publish(new SessionEndedEvent(principal.sessionId));
  }

  /**
   * The principal of a token whose signature and expiry are good and whose session still exists
   * and belongs to the token's user. The REST guard and the socket handshake both ask this.
   * @throws UnauthorizedError (401 `UNAUTHORIZED`) otherwise, with a message saying which.
   */
  async verify(token: string): Promise<AuthPrincipal> {
    if (!token)
      throw new UnauthorizedError(
        'Sign in first: send the access token as "Authorization: Bearer <token>".',
      );
    let claims: Partial<AccessTokenClaims>;
    try {
      claims = await this.jwt.verifyAsync<Partial<AccessTokenClaims>>(token);
    } catch (error) {
      if (error instanceof TokenExpiredError) {
        throw new UnauthorizedError('The access token has expired; sign in again.');
      }
      if (error instanceof JsonWebTokenError) {
        throw new UnauthorizedError('The access token is not valid; sign in again.');
      }
      throw error;
    }
    const { sub, sid, name, exp } = claims;
    // A token without exp would never expire; Kiln never issues one.
    if (
      typeof sub !== 'string' ||
      typeof sid !== 'string' ||
      typeof name !== 'string' ||
      typeof exp !== 'number'
    ) {
      throw new UnauthorizedError('The access token is not valid; sign in again.');
    }
    const session = await this.sessions.find(sid);
    if (!session) {
      throw new UnauthorizedError('This session has ended (signed out or expired); sign in again.');
    }
    // Only Kiln signs tokens, so a mismatch means a leaked secret or a bug: refuse either way.
    if (session.userId !== sub) {
      throw new UnauthorizedError('The access token is not valid; sign in again.');
    }
    return { userId: sub, sessionId: sid, username: name };
  }

  private getDecoyHash(): Promise<string> {
    this.decoyHash ??= this.hasher.hash(randomUUID());
    return this.decoyHash;
  }
}
