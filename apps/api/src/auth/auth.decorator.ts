import { createParamDecorator, ExecutionContext, SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse } from '@nestjs/swagger';
import { Principal, Role } from './roles';

export const REQUIRED_ROLE = 'requiredRole';

/** The route needs an API key with at least this role. */
export const RequireRole = (role: Role) =>
  applyDecorators(
    SetMetadata(REQUIRED_ROLE, role),
    ApiBearerAuth(),
    ApiResponse({ status: 401, description: 'missing or unknown API key' }),
    ApiResponse({ status: 403, description: `the API key's role is below ${role}` }),
  );

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal => context.switchToHttp().getRequest().principal,
);
