// The dashboard's session cookie: a random token, HttpOnly (page scripts never see it) and
// SameSite=Strict (another site's page never sends it). Secure when the request came over HTTPS.
import { parse, serialize } from 'cookie';
import { randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'mt_session';
export const SESSION_TTL_SECONDS = 7 * 24 * 3600;

export const generateSessionToken = (): string => randomBytes(32).toString('base64url');

/** The session token the request carries, if any. */
export function readSessionToken(cookieHeader: string | string[] | undefined): string | undefined {
  const header = Array.isArray(cookieHeader) ? cookieHeader.join('; ') : cookieHeader;
  if (!header) return undefined;
  const token = parse(header)[SESSION_COOKIE];
  return token ? token : undefined;
}

export function sessionCookie(token: string, secure: boolean): string {
  return serialize(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', path: '/', secure, maxAge: SESSION_TTL_SECONDS });
}

export function clearedSessionCookie(secure: boolean): string {
  return serialize(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'strict', path: '/', secure, maxAge: 0, expires: new Date(0) });
}
