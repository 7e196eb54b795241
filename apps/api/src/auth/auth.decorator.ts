import { createParamDecorator, ExecutionContext, SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse } from '@nestjs/swagger';
import { BEARER_SCHEME } from '../openapi/security-schemes';
import { Principal, Role } from './roles';

export const REQUIRED_ROLE = 'requiredRole';

/**
 * The route needs an API key with at least this role (on a GET, the session cookie of one
 * will do: the document offers it there, see api-document.ts).
 */
export const RequireRole = (role: Role) =>
  applyDecorators(
    SetMetadata(REQUIRED_ROLE, role),
    ApiBearerAuth(BEARER_SCHEME),
    ApiResponse({ status: 401, description: 'no API key (or, on a GET, no session cookie), or an unknown or revoked one, or an ended session' }),
    ApiResponse({ status: 403, description: `the API key's role is below ${role}` }),
  );

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal => context.switchToHttp().getRequest().principal,
);
