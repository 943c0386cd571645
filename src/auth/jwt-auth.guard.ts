import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AuthPrincipal } from './auth-principal';
import { AuthService } from './auth.service';

/** A request that passed JwtAuthGuard. */
export interface AuthenticatedRequest extends Request {
  principal: AuthPrincipal;
}

/**
 * Lets a REST request through when its `Authorization: Bearer <token>` verifies (signature,
 * expiry, live session), and puts the principal on `request.principal`. Answers 401
 * `UNAUTHORIZED` otherwise.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(private readonly auth: AuthService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request & Partial<AuthenticatedRequest>>();
    request.principal = await this.auth.verify(bearerToken(request.headers.authorization));
    return true;
  }
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), or ''. */
export function bearerToken(header: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match ? match[1] : '';
}
