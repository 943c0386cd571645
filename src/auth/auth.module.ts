import { Module } from '@nestjs/common';
import { createSecretKey } from 'node:crypto';
import { JwtModule } from '@nestjs/jwt';
import { KILN_CONFIG, KilnConfig } from '../config/kiln-config';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { JwtAuthGuard } from './jwt-auth.guard';
import { resolveJwtSecret } from './jwt-secret';
import { LoginThrottle } from './login-throttle';
import { PasswordHasher } from './password-hasher';
import { SessionRepository } from './session.repository';
import { UserRepository } from './user.repository';

const controllers = [AuthController];
const services = [AuthService, PasswordHasher, LoginThrottle];
const repositories = [UserRepository, SessionRepository];
const guards = [JwtAuthGuard];

/**
 * Users, sessions and tokens. Exports AuthService (whose `verify` the realtime gateway uses on
 * the handshake) and JwtAuthGuard (for every other controller). Needs the global ConfigModule,
 * RedisModule and `CqrsModule.forRoot()` from the app root; importing the plain CqrsModule here
 * would give this module an EventBus of its own, apart from the one the rest of the app uses.
 */
@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [KILN_CONFIG],
      useFactory: async (config: KilnConfig) => ({
        // A KeyObject, not a string: given a string, jsonwebtoken first tries it as a PEM key and
        // throws and catches on every verify (about 380 µs against 8 µs, measured in bench/).
        secret: createSecretKey(Buffer.from(await resolveJwtSecret(config))),
        signOptions: { algorithm: 'HS256' },
        // Pinned so a token cannot pick its own algorithm.
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
  ],
  controllers,
  providers: [...services, ...repositories, ...guards],
  exports: [AuthService, JwtAuthGuard],
})
export class AuthModule {}
