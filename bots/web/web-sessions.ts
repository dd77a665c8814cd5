/**
 * One anonymous user per browser session. The first request gets a random session cookie (HttpOnly,
 * SameSite=Strict, so another site's page can neither read it nor send it); every edit of that browser is
 * asked for as the user `sessionKey`, so the queue's per-user caps, fairness and Cancel's "only the requester"
 * rule apply to it as to a chat user. The key is a hash of the cookie: job data in Redis and the logs name the
 * user without holding the secret that acts as them.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const SESSION_COOKIE = 'kk_session';
const SESSION_SECRET = /^[A-Za-z0-9_-]{22,64}$/;

export interface WebSession {
  /** `web-` + 32 hex digits of sha256(secret): the job's user id and "channel" (the conversation). */
  key: string;
}

/** The request's session, issuing a cookie (a new anonymous user) when it has none or a malformed one. */
export function sessionOf(req: IncomingMessage, res: ServerResponse, secure: boolean): WebSession {
  let secret = cookieValue(req.headers.cookie, SESSION_COOKIE);
  if (secret === undefined || !SESSION_SECRET.test(secret)) {
    secret = randomBytes(18).toString('base64url');
    const attributes = ['Path=/', 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])];
    res.setHeader('set-cookie', `${SESSION_COOKIE}=${secret}; ${attributes.join('; ')}`);
  }
  return { key: sessionKeyOf(secret) };
}

export function sessionKeyOf(secret: string): string {
  return `web-${createHash('sha256').update(secret).digest('hex').slice(0, 32)}`;
}

/** One cookie's value from a Cookie header; undefined when absent. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
