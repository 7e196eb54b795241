// Authenticates `Authorization: Bearer <key>` and checks the route's required role.
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppConfig, CONFIG } from '@app/config';
import { Problem } from '../problems/problem';
import { ApiKeysRepository } from './api-keys.repository';
import { REQUIRED_ROLE } from './auth.decorator';
import { Principal, Role, roleAllows } from './roles';

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

const BOOTSTRAP_PRINCIPAL: Principal = { id: 'bootstrap', name: 'bootstrap-admin', role: 'admin' };

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysRepository,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const required = this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, [context.getHandler(), context.getClass()]);
    if (!required) return true;
    const request = context.switchToHttp().getRequest();
    request.principal = await this.authorize(request.headers.authorization, required);
    return true;
  }

  /**
   * The key's principal if its role is at least `required`, else a 401 or 403 Problem.
   * Also used by routes outside Nest's routing (the queue board).
   */
  async authorize(header: string | undefined, required: Role): Promise<Principal> {
    const principal = await this.authenticate(header);
    if (!roleAllows(principal.role, required)) {
      throw new Problem(403, 'forbidden', `this needs the ${required} role; the API key "${principal.name}" is ${principal.role}`);
    }
    return principal;
  }

  async authenticate(header: string | undefined): Promise<Principal> {
    const unauthorized = (detail: string) => new Problem(401, 'unauthorized', detail, {}, { 'WWW-Authenticate': 'Bearer' });
    if (!header) throw unauthorized('an API key is required: Authorization: Bearer <key>');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthorized('the Authorization header must be "Bearer <key>"');
    const key = match[1];
    if (this.isBootstrapKey(key)) return BOOTSTRAP_PRINCIPAL;
    const principal = await this.apiKeys.findActiveByKey(key);
    if (!principal) throw unauthorized('the API key is unknown or revoked');
    return principal;
  }

  /**
   * Compares digests, not the keys: they are always 32 bytes (timingSafeEqual throws on
   * inputs of unequal byte length, which equal-length text with a non-ASCII character has),
   * and the time taken says nothing about the key's length either.
   */
  private isBootstrapKey(key: string): boolean {
    const bootstrap = this.config.BOOTSTRAP_ADMIN_KEY;
    if (!bootstrap) return false;
    return timingSafeEqual(sha256(bootstrap), sha256(key));
  }
}
