// Authenticates `Authorization: Bearer <key>`, or the dashboard's session cookie on a read,
// and checks the route's required role.
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppConfig, CONFIG } from '@app/config';
import { Problem } from '../problems/problem';
import { readSessionToken, SESSION_COOKIE_METHODS } from '../session/session-cookie';
import { SessionsRepository } from '../session/sessions.repository';
import { ApiKeysRepository } from './api-keys.repository';
import { REQUIRED_ROLE } from './auth.decorator';
import { BOOTSTRAP_PRINCIPAL, Principal, Role, roleAllows } from './roles';

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/** What the guard reads of a request (Nest's and the queue board's requests alike). */
export interface AuthenticatedRequest {
  method: string;
  headers: { authorization?: string; cookie?: string | string[] };
}

const unauthorized = (detail: string) => new Problem(401, 'unauthorized', detail, {}, { 'WWW-Authenticate': 'Bearer' });

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysRepository,
    private readonly sessions: SessionsRepository,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const required = this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, [context.getHandler(), context.getClass()]);
    if (!required) return true;
    const request = context.switchToHttp().getRequest();
    request.principal = await this.authorize(request, required);
    return true;
  }

  /**
   * The request's principal if its role is at least `required`, else a 401 or 403 Problem.
   * Also used by routes outside Nest's routing (the queue board).
   */
  async authorize(request: AuthenticatedRequest, required: Role): Promise<Principal> {
    const principal = await this.authenticate(request);
    if (!roleAllows(principal.role, required)) {
      throw new Problem(403, 'forbidden', `this needs the ${required} role; the API key "${principal.name}" is ${principal.role}`);
    }
    return principal;
  }

  /** The Authorization header's key, or else (for a GET) the session cookie's. */
  async authenticate(request: AuthenticatedRequest): Promise<Principal> {
    const header = request.headers.authorization;
    if (header) return this.authenticateHeader(header);
    const token = readSessionToken(request.headers.cookie);
    if (!token) throw unauthorized('an API key is required: Authorization: Bearer <key>');
    // Never for a write (see SESSION_COOKIE_METHODS).
    if (!SESSION_COOKIE_METHODS.has(request.method)) {
      throw unauthorized(`the dashboard session is good for reads only; ${request.method} needs Authorization: Bearer <key>`);
    }
    const principal = await this.sessions.findPrincipal(token);
    if (!principal) throw unauthorized('the session has ended (signed out, expired, or its API key was revoked); sign in again');
    return principal;
  }

  async authenticateHeader(header: string): Promise<Principal> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthorized('the Authorization header must be "Bearer <key>"');
    return this.authenticateKey(match[1]);
  }

  /** The principal of an API key (or the bootstrap admin key); 401 when unknown or revoked. */
  async authenticateKey(key: string): Promise<Principal> {
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
