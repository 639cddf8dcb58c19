import { HttpProblem } from '@flotilla/kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { countLoginAttempt } from '../domain/throttle.js';
import type { RouteContext } from './context.js';

/**
 * Counts a password guess (a login, or the current password when changing it) against the
 * client's allowance: 429 with Retry-After once it is spent, before the password is hashed.
 */
export async function countPasswordAttempt(
  context: RouteContext,
  request: FastifyRequest,
  reply: FastifyReply,
  username: string,
): Promise<void> {
  const { config } = context;
  try {
    await countLoginAttempt(context.db, username, context.clientAddress(request), {
      perUsernameAndIp: config.LOGIN_MAX_ATTEMPTS_PER_USERNAME_AND_IP,
      perIp: config.LOGIN_MAX_ATTEMPTS_PER_IP,
      windowSeconds: config.LOGIN_WINDOW_SECONDS,
    });
  } catch (error) {
    if (error instanceof HttpProblem && error.status === 429) {
      reply.header('retry-after', String(error.extensions.retryAfter));
    }
    throw error;
  }
}

/** The client a new session remembers. */
export const sessionClient = (request: FastifyRequest) => ({ userAgent: request.headers['user-agent'] });
