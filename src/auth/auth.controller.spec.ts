import { Global, INestApplication, Module, ValidationPipe } from '@nestjs/common';
import type { Server } from 'node:http';
import { CqrsModule } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import request from 'supertest';
import { cleanUpTestRedis, connectTestRedis } from '../../test/support/test-redis';
import { ConfigModule } from '../config/config.module';
import { KilnConfig, loadConfig } from '../config/kiln-config';
import { KilnErrorFilter } from '../errors/kiln-error.filter';
import { RedisKeys } from '../redis/redis-keys';
import { REDIS } from '../redis/redis.tokens';
import { AuthModule } from './auth.module';

const PASSWORD = 'correct horse battery staple';

describe('AuthController over HTTP (real Redis)', () => {
  const { redis, keyPrefix } = connectTestRedis();
  let app: INestApplication;

  @Global()
  @Module({
    providers: [
      { provide: REDIS, useValue: redis },
      { provide: RedisKeys, useValue: new RedisKeys(keyPrefix) },
    ],
    exports: [REDIS, RedisKeys],
  })
  class TestRedisModule {}

  beforeAll(async () => {
    const config: KilnConfig = { ...loadConfig({ JWT_SECRET: 'a-test-secret-of-enough-length' }) };
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), TestRedisModule, CqrsModule.forRoot(), AuthModule],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    // As main.ts sets them up.
    app.useGlobalFilters(new KilnErrorFilter());
    app.useGlobalPipes(
      new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
    );
    await app.init();
  });

  afterAll(async () => {
    await app.close();
    await cleanUpTestRedis(redis, keyPrefix);
  });

  const http = () => request(app.getHttpServer() as Server);

  it('registers (201), refuses a taken name (409) and invalid input (400)', async () => {
    const created = await http()
      .post('/auth/register')
      .send({ username: 'ada', password: PASSWORD });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), username: 'ada' });

    const taken = await http().post('/auth/register').send({ username: 'ada', password: PASSWORD });
    expect(taken.status).toBe(409);
    expect(taken.body).toEqual({
      statusCode: 409,
      code: 'USERNAME_TAKEN',
      message: 'The username "ada" is taken; choose another one.',
    });

    const invalid = await http()
      .post('/auth/register')
      .send({ username: 'a b', password: 'short' });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toEqual({
      statusCode: 400,
      code: 'BAD_REQUEST',
      message:
        'username must be 3 to 32 characters: letters, digits, _ . or -; password must be 8 to 256 characters long',
    });
  });

  it('logs in (200), then logs out (204) after which the token answers 401', async () => {
    await http().post('/auth/register').send({ username: 'grace', password: PASSWORD }).expect(201);

    const login = await http().post('/auth/login').send({ username: 'grace', password: PASSWORD });
    expect(login.status).toBe(200);
    expect(login.body).toEqual({
      accessToken: expect.any(String),
      sessionId: expect.any(String),
      expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    const bearer = `Bearer ${login.body.accessToken}`;

    const logout = await http().post('/auth/logout').set('Authorization', bearer);
    expect(logout.status).toBe(204);
    expect(logout.text).toBe('');

    const again = await http().post('/auth/logout').set('Authorization', bearer);
    expect(again.status).toBe(401);
    expect(again.body).toEqual({
      statusCode: 401,
      code: 'UNAUTHORIZED',
      message: 'This session has ended (signed out or expired); sign in again.',
    });
  });

  it('answers 401 INVALID_CREDENTIALS for a wrong password', async () => {
    const response = await http()
      .post('/auth/login')
      .send({ username: 'ada', password: 'not the password' });

    expect(response.status).toBe(401);
    expect(response.body).toEqual({
      statusCode: 401,
      code: 'INVALID_CREDENTIALS',
      message: 'Wrong username or password.',
    });
  });

  it('answers 401 UNAUTHORIZED to logout without a bearer token', async () => {
    for (const header of [undefined, 'Basic YWRhOnB3', 'Bearer']) {
      const call = http().post('/auth/logout');
      const response = await (header === undefined ? call : call.set('Authorization', header));
      expect(response.status).toBe(401);
      expect(response.body).toEqual({
        statusCode: 401,
        code: 'UNAUTHORIZED',
        message: 'Sign in first: send the access token as "Authorization: Bearer <token>".',
      });
    }
  });

  it('documents every answer in Swagger, with bearer auth on logout', () => {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder().addBearerAuth().build(),
    );

    expect(Object.keys(document.paths).sort()).toEqual([
      '/auth/login',
      '/auth/logout',
      '/auth/register',
    ]);
    expect(Object.keys(document.paths['/auth/register'].post?.responses ?? {}).sort()).toEqual([
      '201',
      '400',
      '409',
    ]);
    expect(Object.keys(document.paths['/auth/login'].post?.responses ?? {}).sort()).toEqual([
      '200',
      '400',
      '401',
      '429',
    ]);
    expect(Object.keys(document.paths['/auth/logout'].post?.responses ?? {}).sort()).toEqual([
      '204',
      '401',
    ]);
    expect(document.paths['/auth/logout'].post?.security).toEqual([{ bearer: [] }]);
    expect(document.paths['/auth/login'].post?.tags).toEqual(['auth']);
    expect(Object.keys(document.components?.schemas ?? {}).sort()).toEqual([
      'AccessTokenDto',
      'ErrorBodyDto',
      'LoginDto',
      'RegisterDto',
      'RegisteredUserDto',
    ]);
  });
});
