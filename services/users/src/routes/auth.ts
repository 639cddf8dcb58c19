import { HttpProblem, principalOf, type ServiceApp, Type } from '@flotilla/kit';
import { getUser } from '../domain/accounts.js';
import { checkPassword, endSession, rotateRefreshToken, startSession } from '../domain/sessions.js';
import { clearUsernameAttempts } from '../domain/throttle.js';
import { countPasswordAttempt, sessionClient } from './attempts.js';
import { accessTokenFor, type RouteContext } from './context.js';
import { clearSessionCookies, REFRESH_COOKIE, setSessionCookies } from './cookies.js';
import { NoContent, ProblemResponse, TokenResponse, UserSchema } from './schemas.js';

/**
 * Login, refresh, logout and "who am I". Login, refresh and logout are public: they are how a
 * caller gets (or gives up) a token, and logout must work with an expired access token, since it
 * only needs the refresh cookie.
 */
export function authRoutes(app: ServiceApp, context: RouteContext): void {
  const { db, config } = context;

  app.post(
    '/auth/login',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Log in',
        description:
          'Returns an access token and sets two httpOnly cookies: `flotilla_session` (the access token) ' +
          'and `flotilla_refresh` (for POST /auth/refresh). Attempts are limited per client address and ' +
          'per username from one address (429 with Retry-After).',
        body: Type.Object({
          username: Type.String({ minLength: 1, maxLength: 64 }),
          // No length rule: a password of any length is an attempt, counted and refused with 401
          // (length rules are for setting one).
          password: Type.String(),
        }),
        response: {
          200: TokenResponse,
          401: ProblemResponse(
            'Unknown user, wrong password, no password set or disabled account: one answer for all',
          ),
        },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      await countPasswordAttempt(context, request, reply, username);
      const user = await checkPassword(db, username, password);
      await clearUsernameAttempts(db, username, context.clientAddress(request));
      const tokens = await accessTokenFor(context, user);
      const refreshToken = await startSession(
        db,
        user.id,
        config.REFRESH_TOKEN_TTL_SECONDS,
        sessionClient(request),
      );
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
      config: { access: 'public' },
      schema: {
        summary: 'Exchange the refresh cookie for a new access token',
        description:
          'The refresh token rotates: the cookie is replaced. Presenting one already used revokes every ' +
          'session of its login.',
        response: {
          200: TokenResponse,
          401: ProblemResponse('No refresh cookie, or it is expired, revoked or already used: log in again'),
        },
      },
    },
    async (request, reply) => {
      const presented = request.cookies[REFRESH_COOKIE];
      if (!presented) throw new HttpProblem(401, 'no refresh token: log in first');
      let rotated: Awaited<ReturnType<typeof rotateRefreshToken>>;
      try {
        rotated = await rotateRefreshToken(
          db,
          presented,
          config.REFRESH_TOKEN_TTL_SECONDS,
          sessionClient(request),
        );
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
    {
      config: { access: 'public' },
      schema: {
        summary: 'Log out',
        description: 'Revokes this login’s refresh tokens and clears the cookies.',
        response: { 204: NoContent('Logged out (also when there was nothing to end)') },
      },
    },
    async (request, reply) => {
      const presented = request.cookies[REFRESH_COOKIE];
      if (presented) await endSession(db, presented);
      clearSessionCookies(request, reply);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/auth/me',
    {
      config: { access: 'viewer' },
      schema: { summary: 'The calling account', response: { 200: UserSchema } },
    },
    async (request) => getUser(db, principalOf(request).userId),
  );
}
