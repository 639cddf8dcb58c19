import { forbidden, Page, type Principal, pageQuery, principalOf, type ServiceApp, Type } from '@flotilla/kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { changeOwnPassword, type PasswordChange } from '../domain/accounts.js';
import { endSessions, listSessions, sessionOf } from '../domain/sessions.js';
import { clearUsernameAttempts } from '../domain/throttle.js';
import { countPasswordAttempt } from './attempts.js';
import type { RouteContext } from './context.js';
import { clearSessionCookies, REFRESH_COOKIE } from './cookies.js';
import { NoContent, Password, ProblemResponse, SessionSchema } from './schemas.js';

// Every signed-in role, each on their own account only.
const SIGNED_IN = { access: 'viewer' } as const;

/**
 * Password and sessions are the person's, not a script's: an API key may neither change the
 * password nor end sessions (it could lock its owner out).
 */
function personOf(request: FastifyRequest): Principal {
  const caller = principalOf(request);
  if (caller.via === 'api-key') throw forbidden('an API key cannot do this: sign in with your password');
  return caller;
}

/**
 * Changes the caller's own password (here and through `PUT /users/{id}/password` on one's own id):
 * a guess at the current one counts like a login attempt; this session stays signed in.
 */
export async function changePasswordOfCaller(
  context: RouteContext,
  request: FastifyRequest,
  reply: FastifyReply,
  change: PasswordChange,
): Promise<void> {
  const { db } = context;
  const caller = personOf(request);
  await countPasswordAttempt(context, request, reply, caller.username);
  await changeOwnPassword(db, caller.userId, change, await sessionOf(db, request.cookies[REFRESH_COOKIE]));
  await clearUsernameAttempts(db, caller.username, context.clientAddress(request));
  request.log.info({ userId: caller.userId }, 'password changed');
}

/**
 * The caller's own account: change the password, list and end sessions. Under `/auth`, where the
 * refresh cookie is sent, so each can tell which session is the caller's own.
 */
export function accountRoutes(app: ServiceApp, context: RouteContext): void {
  const { db } = context;
  const currentSession = (request: FastifyRequest) => sessionOf(db, request.cookies[REFRESH_COOKIE]);

  app.put(
    '/auth/password',
    {
      config: SIGNED_IN,
      schema: {
        summary: 'Change your own password',
        description:
          'Needs the current password (a wrong one is a 403 naming `body.currentPassword` and counts ' +
          'toward the login limits, 429 with Retry-After). Every other session of yours ends; this ' +
          'one stays signed in. An admin resets other accounts’ passwords with `PUT /users/{id}/password`.',
        body: Type.Object({
          currentPassword: Type.String({ description: 'Your password now' }),
          password: Password,
        }),
        response: {
          204: NoContent('Changed; your other sessions have ended'),
          403: ProblemResponse('The current password is wrong (`body.currentPassword`), or the caller is an API key'),
        },
      },
    },
    async (request, reply) => {
      await changePasswordOfCaller(context, request, reply, request.body);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/auth/sessions',
    {
      config: SIGNED_IN,
      schema: {
        summary: 'List your sessions',
        description:
          'Every signed-in session of yours (a login and its refreshes) that has not ended, in the order ' +
          'they started; `current` marks the one this request came from.',
        querystring: Type.Object({ ...pageQuery({ defaultLimit: 100, maxLimit: 500 }) }),
        response: { 200: Page(SessionSchema, 'A page of your sessions') },
      },
    },
    async (request) =>
      listSessions(db, principalOf(request).userId, request.query, await currentSession(request)),
  );

  app.delete(
    '/auth/sessions',
    {
      config: SIGNED_IN,
      schema: {
        summary: 'Sign out everywhere',
        description:
          'Ends every session of yours, this one too, and clears its cookies. Access tokens already ' +
          'issued keep working until they expire (at most ACCESS_TOKEN_TTL_SECONDS, 10 minutes by default).',
        response: { 204: NoContent('Every session has ended') },
      },
    },
    async (request, reply) => {
      await endSessions(db, personOf(request).userId, undefined);
      clearSessionCookies(request, reply);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/auth/sessions/others',
    {
      config: SIGNED_IN,
      schema: {
        summary: 'Sign out everywhere else',
        description:
          'Ends every session of yours but the one this request came from (by its refresh cookie; ' +
          'without one, all of them). Access tokens already issued keep working until they expire.',
        response: { 204: NoContent('Every other session has ended') },
      },
    },
    async (request, reply) => {
      await endSessions(db, personOf(request).userId, await currentSession(request));
      return reply.code(204).send(null);
    },
  );
}
