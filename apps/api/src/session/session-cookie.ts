// The dashboard's session cookie: a random token, HttpOnly (page scripts never see it) and
// SameSite=Strict (another site's page never sends it). Secure when the request came over HTTPS.
import { parse, serialize } from 'cookie';
import { randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'mt_session';

/**
 * The methods a session cookie is good for: reads. The cookie rides along on any request the
 * browser makes, a form on another site's page included (SameSite=Strict aside), so a write
 * always needs the key itself. The guard checks it; the OpenAPI document offers the cookie
 * on exactly these operations.
 */
export const SESSION_COOKIE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);
export const SESSION_TTL_SECONDS = 7 * 24 * 3600;

export const generateSessionToken = (): string => randomBytes(32).toString('base64url');

/** The session token the request carries, if any. */
export function readSessionToken(cookieHeader: string | string[] | undefined): string | undefined {
  const header = Array.isArray(cookieHeader) ? cookieHeader.join('; ') : cookieHeader;
  if (!header) return undefined;
  const token = parse(header)[SESSION_COOKIE];
  return token ? token : undefined;
}

/**
 * A second cookie the page may read, holding no secret ("1"): it tells the dashboard there may
 * be a session to ask about, so a visitor who never signed in costs no 401 (and no console error).
 */
export const SIGNED_IN_HINT_COOKIE = 'mt_signed_in';

/** The Set-Cookie values of a sign-in: the session (HttpOnly) and the hint. */
export function sessionCookies(token: string, secure: boolean): string[] {
  return [
    serialize(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', path: '/', secure, maxAge: SESSION_TTL_SECONDS }),
    serialize(SIGNED_IN_HINT_COOKIE, '1', { sameSite: 'strict', path: '/', secure, maxAge: SESSION_TTL_SECONDS }),
  ];
}

/** The Set-Cookie values of a sign-out: both cookies cleared. */
export function clearedSessionCookies(secure: boolean): string[] {
  return [
    serialize(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'strict', path: '/', secure, maxAge: 0, expires: new Date(0) }),
    serialize(SIGNED_IN_HINT_COOKIE, '', { sameSite: 'strict', path: '/', secure, maxAge: 0, expires: new Date(0) }),
  ];
}
