import { Global, Module } from '@nestjs/common';
import { CqrsModule, EventBus, IEvent } from '@nestjs/cqrs';
import { JwtService } from '@nestjs/jwt';
import { Test, TestingModule } from '@nestjs/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subscription } from 'rxjs';
import { cleanUpTestRedis, connectTestRedis } from '../../test/support/test-redis';
import { ConfigModule } from '../config/config.module';
import { KilnConfig, loadConfig } from '../config/kiln-config';
import { RedisKeys } from '../redis/redis-keys';
import { REDIS } from '../redis/redis.tokens';
import { AuthModule } from './auth.module';
import { AuthService } from './auth.service';
import { SessionEndedEvent } from './session-ended.event';

const TTL_SECONDS = 120;
const PASSWORD = 'correct horse battery staple';
const ADDRESS = '192.0.2.1';

describe('AuthService (real Redis, real CQRS event bus)', () => {
  const { redis, keyPrefix } = connectTestRedis();
  const keys = new RedisKeys(keyPrefix);
  let dataDir: string;
  let moduleRef: TestingModule;
  let auth: AuthService;
  let jwt: JwtService;
  const published: IEvent[] = [];
  let subscription: Subscription;

  /** Stands in for the app's global RedisModule: the same tokens, a real client. */
  @Global()
  @Module({
    providers: [
      { provide: REDIS, useValue: redis },
      { provide: RedisKeys, useValue: keys },
    ],
    exports: [REDIS, RedisKeys],
  })
  class TestRedisModule {}

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kiln-auth-'));
    // No JWT_SECRET: the module generates one into the data dir, as on a laptop.
    const config: KilnConfig = { ...loadConfig({}), dataDir, jwtTtlSeconds: TTL_SECONDS };
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), TestRedisModule, CqrsModule.forRoot(), AuthModule],
    }).compile();
    await moduleRef.init();
    auth = moduleRef.get(AuthService);
    jwt = moduleRef.get(JwtService, { strict: false });
    subscription = moduleRef
      .get(EventBus, { strict: false })
      .subscribe((event) => published.push(event));
  });

  afterAll(async () => {
    subscription.unsubscribe();
    await moduleRef.close();
    await cleanUpTestRedis(redis, keyPrefix);
    await rm(dataDir, { recursive: true, force: true });
  });

  describe('register', () => {
    it('creates the user, stores a scrypt hash and indexes the name', async () => {
      const user = await auth.register('ada.lovelace', PASSWORD);

      expect(user).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        username: 'ada.lovelace',
      });
      const stored = await redis.hgetall(keys.user(user.id));
      expect(Object.keys(stored).sort()).toEqual(['createdAt', 'id', 'passwordHash', 'username']);
      expect(stored).toMatchObject({ id: user.id, username: 'ada.lovelace' });
      expect(stored.passwordHash).toMatch(
        /^scrypt\$32768\$8\$3\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/,
      );
      expect(new Date(stored.createdAt).toISOString()).toBe(stored.createdAt);
      expect(await redis.get(keys.userByName('ada.lovelace'))).toBe(user.id);
    });

    it('answers 409 USERNAME_TAKEN for a name that exists, whatever its case', async () => {
      await auth.register('grace', PASSWORD);

      await expect(auth.register('grace', 'another password')).rejects.toMatchObject({
        code: 'USERNAME_TAKEN',
        status: 409,
        message: 'The username "grace" is taken; choose another one.',
      });
      await expect(auth.register('GRACE', 'another password')).rejects.toMatchObject({
        code: 'USERNAME_TAKEN',
        status: 409,
      });
    });

    it('lets exactly one of two concurrent registrations of a name succeed', async () => {
      const results = await Promise.allSettled([
        auth.register('racer', 'first password'),
        auth.register('racer', 'second password'),
      ]);

      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const winner = results.find((r) => r.status === 'fulfilled');
      const loser = results.find((r) => r.status === 'rejected');
      expect(loser?.reason).toMatchObject({ code: 'USERNAME_TAKEN', status: 409 });
      const winnerId = (winner as PromiseFulfilledResult<{ id: string }>).value.id;
      expect(await redis.get(keys.userByName('racer'))).toBe(winnerId);
      // The loser's user hash was removed again: one user under that name.
      const users = await redis.keys(`${keyPrefix}:user:*`);
      const racers = await Promise.all(users.map((key) => redis.hget(key, 'username')));
      expect(racers.filter((name) => name === 'racer')).toHaveLength(1);
    });
  });

  describe('login', () => {
    let userId: string;

    beforeAll(async () => {
      ({ id: userId } = await auth.register('Linus', PASSWORD));
    });

    it('opens a session expiring with the token, and issues a token with sub, sid and name', async () => {
      const before = Math.floor(Date.now() / 1000);
      const issued = await auth.login('Linus', PASSWORD, ADDRESS);

      expect(issued).toEqual({
        accessToken: expect.any(String),
        sessionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        expiresAt: expect.any(String),
      });
      const claims = jwt.decode<Record<string, unknown>>(issued.accessToken);
      expect(claims).toEqual({
        sub: userId,
        sid: issued.sessionId,
        name: 'Linus',
        iat: expect.any(Number),
        exp: (claims.iat as number) + TTL_SECONDS,
      });
      expect(claims.iat).toBeGreaterThanOrEqual(before);
      expect(issued.expiresAt).toBe(new Date((claims.exp as number) * 1000).toISOString());

      const session = await redis.hgetall(keys.session(issued.sessionId));
      expect(session).toEqual({ userId, username: 'Linus', createdAt: expect.any(String) });
      const ttl = await redis.ttl(keys.session(issued.sessionId));
      expect(ttl).toBeGreaterThan(TTL_SECONDS - 5);
      expect(ttl).toBeLessThanOrEqual(TTL_SECONDS);
    });

    it('accepts the name in another case, and answers it as registered', async () => {
      const issued = await auth.login('linus', PASSWORD, ADDRESS);

      await expect(auth.verify(issued.accessToken)).resolves.toEqual({
        userId,
        sessionId: issued.sessionId,
        username: 'Linus',
      });
    });

    it('answers 401 INVALID_CREDENTIALS for a wrong password and for an unknown user alike', async () => {
      const expected = {
        code: 'INVALID_CREDENTIALS',
        status: 401,
        message: 'Wrong username or password.',
      };

      await expect(auth.login('Linus', 'wrong password', ADDRESS)).rejects.toMatchObject(expected);
      await expect(auth.login('nobody-here', PASSWORD, ADDRESS)).rejects.toMatchObject(expected);
    });
  });

  describe('verify and logout', () => {
    let userId: string;

    beforeAll(async () => {
      ({ id: userId } = await auth.register('margaret', PASSWORD));
    });

    it('answers the principal of a good token', async () => {
      const { accessToken, sessionId } = await auth.login('margaret', PASSWORD, ADDRESS);

      await expect(auth.verify(accessToken)).resolves.toEqual({
        userId,
        sessionId,
        username: 'margaret',
      });
    });

    it('refuses every token of a session after logout, and publishes SessionEndedEvent once', async () => {
      const { accessToken, sessionId } = await auth.login('margaret', PASSWORD, ADDRESS);
      const principal = await auth.verify(accessToken);
      const other = await auth.login('margaret', PASSWORD, ADDRESS);
      published.length = 0;

      await auth.logout(principal);

      expect(published).toEqual([new SessionEndedEvent(sessionId)]);
      expect(published[0]).toBeInstanceOf(SessionEndedEvent);
      expect(await redis.exists(keys.session(sessionId))).toBe(0);
      await expect(auth.verify(accessToken)).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
        status: 401,
        message: 'This session has ended (signed out or expired); sign in again.',
      });
      // Another session of the same user is untouched.
      await expect(auth.verify(other.accessToken)).resolves.toMatchObject({
        sessionId: other.sessionId,
      });
    });

    it('refuses an expired token even while its session exists', async () => {
      const { sessionId } = await auth.login('margaret', PASSWORD, ADDRESS);
      const past = Math.floor(Date.now() / 1000) - 3600;
      const expired = await jwt.signAsync({
        sub: userId,
        sid: sessionId,
        name: 'margaret',
        iat: past,
        exp: past + 60,
      });

      await expect(auth.verify(expired)).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
        status: 401,
        message: 'The access token has expired; sign in again.',
      });
    });

    it('refuses a token signed with another secret, a tampered one, an unsigned one and garbage', async () => {
      const { accessToken, sessionId } = await auth.login('margaret', PASSWORD, ADDRESS);
      const claims = { sub: userId, sid: sessionId, name: 'margaret' };
      const forged = await new JwtService({ secret: 'somebody-else-s-secret' }).signAsync(claims, {
        expiresIn: 60,
      });
      const [header, , signature] = accessToken.split('.');
      const payload = Buffer.from(
        JSON.stringify({ ...jwt.decode(accessToken), name: 'admin' }),
      ).toString('base64url');
      const tampered = `${header}.${payload}.${signature}`;
      const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
      const invalid = {
        code: 'UNAUTHORIZED',
        status: 401,
        message: 'The access token is not valid; sign in again.',
      };

      for (const token of [forged, tampered, none, 'not.a.token', 'garbage']) {
        await expect(auth.verify(token)).rejects.toMatchObject(invalid);
      }
    });

    it('refuses a well-signed token whose session belongs to another user', async () => {
      const { id: otherId } = await auth.register('mallory', PASSWORD);
      const { sessionId: othersSession } = await auth.login('mallory', PASSWORD, ADDRESS);
      const now = Math.floor(Date.now() / 1000);
      const crossed = await jwt.signAsync({
        sub: userId,
        sid: othersSession,
        name: 'margaret',
        iat: now,
        exp: now + 60,
      });
      expect(otherId).not.toBe(userId);

      await expect(auth.verify(crossed)).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
        status: 401,
        message: 'The access token is not valid; sign in again.',
      });
    });

    it('refuses a well-signed token that lacks Kiln claims', async () => {
      const token = await jwt.signAsync({ sub: userId }, { expiresIn: 60 });

      await expect(auth.verify(token)).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
        message: 'The access token is not valid; sign in again.',
      });
    });

    it('asks for a token when given none', async () => {
      await expect(auth.verify('')).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
        status: 401,
        message: 'Sign in first: send the access token as "Authorization: Bearer <token>".',
      });
    });
  });
});
