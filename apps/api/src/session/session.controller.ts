// POST /v1/session signs the dashboard in with an API key (the key is checked, then forgotten:
// the browser keeps only a session cookie); GET /v1/session says who is signed in;
// DELETE /v1/session signs out. See session-cookie.ts for the cookie's flags.
import { Controller, Delete, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiAnswer, ApiJsonBody, ApiProblem } from '../openapi/api-docs.decorators';
import { SessionSchema } from '../openapi/response-schemas';
import { SESSION_SCHEME } from '../openapi/security-schemes';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { CurrentPrincipal, RequireRole } from '../auth/auth.decorator';
import { Principal } from '../auth/roles';
import { parseInput } from '../validation/parse';
import { clearedSessionCookies, readSessionToken, sessionCookies } from './session-cookie';
import { SessionsRepository } from './sessions.repository';
import { JsonBody } from '../http/json-body.decorator';

const signInSchema = z.strictObject({
  key: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
});

/** Secure cookies only over HTTPS (a plain-HTTP browser would drop them): TLS to this process, or a TRUST_PROXY proxy's X-Forwarded-Proto. */
const overHttps = (request: FastifyRequest): boolean => request.protocol === 'https';

@ApiTags('session')
@Controller('v1/session')
export class SessionController {
  constructor(
    private readonly guard: ApiKeyGuard,
    private readonly sessions: SessionsRepository,
  ) {}

  @Post()
  @HttpCode(204)
  // No @RequireRole: the document says `security: []` (the key travels in the body).
  @ApiOperation({ summary: 'Sign the dashboard in: sets an HttpOnly session cookie for the key (good for GET requests only)' })
  @ApiJsonBody(signInSchema, { key: 'mt_…' })
  @ApiResponse({
    status: 204,
    description: 'signed in',
    headers: { 'Set-Cookie': { description: 'mt_session=…; HttpOnly; SameSite=Strict; Path=/ (and mt_signed_in=1, readable by the page)', schema: { type: 'string' } } },
  })
  @ApiProblem(400, 'the body is not {"key": "<api key>"}')
  @ApiProblem(401, 'the API key is unknown or revoked')
  async signIn(@JsonBody() body: unknown, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const { key } = parseInput(signInSchema, body, 'sign-in');
    const principal = await this.guard.authenticateKey(key);
    const token = await this.sessions.open(principal.id === 'bootstrap' ? { bootstrap: true } : { apiKeyId: principal.id });
    reply.header('set-cookie', sessionCookies(token, overHttps(request))).header('cache-control', 'no-store');
  }

  @Get()
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Who is signed in: the API key name and role' })
  @ApiAnswer(200, SessionSchema, 'the signed-in key (by cookie or bearer)')
  whoAmI(@CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply): { name: string; role: string } {
    reply.header('cache-control', 'no-store');
    return { name: principal.name, role: principal.role };
  }

  @Delete()
  @HttpCode(204)
  // Nothing is required (a visitor with no session may sign out too); the cookie, when sent, names the session to end.
  @ApiSecurity(SESSION_SCHEME)
  @ApiSecurity({})
  @ApiOperation({ summary: 'Sign out: the session ends on every server and the cookie is cleared' })
  @ApiResponse({
    status: 204,
    description: 'signed out (also when there was no session)',
    headers: { 'Set-Cookie': { description: 'both cookies cleared (Max-Age=0)', schema: { type: 'string' } } },
  })
  async signOut(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const token = readSessionToken(request.headers.cookie);
    if (token) await this.sessions.close(token);
    reply.header('set-cookie', clearedSessionCookies(overHttps(request)));
  }
}
