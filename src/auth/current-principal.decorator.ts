import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { AuthPrincipal } from './auth-principal';
import type { AuthenticatedRequest } from './jwt-auth.guard';

/** The caller of a handler guarded by JwtAuthGuard. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthPrincipal => {
    const { principal } = context.switchToHttp().getRequest<Partial<AuthenticatedRequest>>();
    // Reaching here without one means the handler lacks @UseGuards(JwtAuthGuard): a bug, not a 401.
    if (!principal) throw new Error('@CurrentPrincipal() used on a route without JwtAuthGuard');
    return principal;
  },
);
