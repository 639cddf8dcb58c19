import { HttpProblem, principalOf, type ServiceApp, Type } from '@flotilla/kit';
import { getUser } from '../domain/accounts.js';
import { checkPassword, endSession, rotateRefreshToken, startSession } from '../domain/sessions.js';
import { clearUsernameAttempts, countLoginAttempt } from '../domain/throttle.js';
import { accessTokenFor, type RouteContext } from './context.js';
import { clearSessionCookies, REFRESH_COOKIE, setSessionCookies } from './cookies.js';
import { TokenResponse, UserSchema } from './schemas.js';

/** Login, refresh, logout and "who am I". Access rules: see ACCESS in app.ts. */
export function authRoutes(app: ServiceApp, context: RouteContext): void {
  const { db, config } = context;
  const limits = {
    perUsernameAndIp: config.LOGIN_MAX_ATTEMPTS_PER_USERNAME_AND_IP,
    perIp: config.LOGIN_MAX_ATTEMPTS_PER_IP,
    windowSeconds: config.LOGIN_WINDOW_SECONDS,
  };

  app.post(
    '/auth/login',
    {
      schema: {
        summary: 'Log in: returns an access token and sets the session cookies',
        body: Type.Object({
          username: Type.String({ minLength: 1, maxLength: 64 }),
          // No length rule: a password of any length is an attempt, counted and refused with 401
          // (length rules are for setting one).
          password: Type.String(),
        }),
        response: { 200: TokenResponse },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const ip = context.clientAddress(request);
      try {
        await countLoginAttempt(db, username, ip, limits);
      } catch (error) {
        if (error instanceof HttpProblem && error.status === 429) {
          reply.header('retry-after', String(error.extensions.retryAfter));
        }
        throw error;
      }
      const user = await checkPassword(db, username, password);
      await clearUsernameAttempts(db, username, ip);
      const tokens = await accessTokenFor(context, user);
      const refreshToken = await startSession(db, user.id, config.REFRESH_TOKEN_TTL_SECONDS);
      setSessionCookies(request, reply, {
        accessToken: tokens.accessToken,
        accessTtl: tokens.expiresIn,
        refreshToken,
        refreshTtl: config.REFRESH_TOKEN_TTL_SECONDS,
      });
      request.log.info({ userId: user.id }, 'login');
      return tokens;
    },
  );

  app.post(
    '/auth/refresh',
    {
      schema: {
        summary: 'Exchange the refresh cookie for a new access token (the refresh token rotates)',
        response: { 200: TokenResponse },
      },
    },
    async (request, reply) => {
      const presented = request.cookies[REFRESH_COOKIE];
      if (!presented) throw new HttpProblem(401, 'no refresh token: log in first');
      let rotated: Awaited<ReturnType<typeof rotateRefreshToken>>;
      try {
        rotated = await rotateRefreshToken(db, presented, config.REFRESH_TOKEN_TTL_SECONDS);
      } catch (error) {
        if (error instanceof HttpProblem && error.status === 401) clearSessionCookies(request, reply);
        throw error;
      }
      const tokens = await accessTokenFor(context, rotated.user);
      setSessionCookies(request, reply, {
        accessToken: tokens.accessToken,
        accessTtl: tokens.expiresIn,
        refreshToken: rotated.refreshToken,
        refreshTtl: config.REFRESH_TOKEN_TTL_SECONDS,
      });
      return tokens;
    },
  );

  app.post(
    '/auth/logout',
    { schema: { summary: 'End this login: revokes its refresh tokens and clears the cookies' } },
    async (request, reply) => {
      const presented = request.cookies[REFRESH_COOKIE];
      if (presented) await endSession(db, presented);
      clearSessionCookies(request, reply);
      return reply.code(204).send();
    },
  );

  app.get(
    '/auth/me',
    { schema: { summary: 'The calling account', response: { 200: UserSchema } } },
    async (request) => getUser(db, principalOf(request).userId),
  );
}
