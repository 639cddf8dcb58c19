import { SESSION_COOKIE } from '@flotilla/kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { overHttps } from './client.js';

export const REFRESH_COOKIE = 'flotilla_refresh';

/**
 * The refresh cookie is only sent to the auth routes. Behind the gateway they live under
 * `/api/auth`, which the gateway announces in X-Forwarded-Prefix; a forged prefix only narrows
 * where the caller's own cookie goes.
 */
function refreshPath(request: FastifyRequest): string {
  const prefix = request.headers['x-forwarded-prefix'];
  const clean = typeof prefix === 'string' && /^\/[\w/-]*$/.test(prefix) ? prefix.replace(/\/$/, '') : '';
  return `${clean}/auth`;
}

export function setSessionCookies(
  request: FastifyRequest,
  reply: FastifyReply,
  tokens: { accessToken: string; accessTtl: number; refreshToken: string; refreshTtl: number },
): void {
  const secure = overHttps(request);
  reply.setCookie(SESSION_COOKIE, tokens.accessToken, {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    maxAge: tokens.accessTtl,
  });
  reply.setCookie(REFRESH_COOKIE, tokens.refreshToken, {
    httpOnly: true,
    // Only the web app itself ever refreshes: no cross-site request needs to carry it.
    sameSite: 'strict',
    secure,
    path: refreshPath(request),
    maxAge: tokens.refreshTtl,
  });
}

export function clearSessionCookies(request: FastifyRequest, reply: FastifyReply): void {
  const secure = overHttps(request);
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure });
  reply.clearCookie(REFRESH_COOKIE, {
    path: refreshPath(request),
    httpOnly: true,
    sameSite: 'strict',
    secure,
  });
}
