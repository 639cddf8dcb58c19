import { maybePrincipalOf } from '@flotilla/kit';
import type { FastifyRequest } from 'fastify';
import type { ConsoleBackend } from '../console/executor.js';
import type { ConsoleLimits } from '../console/limits.js';
import type { Caller, TranslationDeps } from '../domain/translate.js';

/** What the route handlers need: passed in, never global. */
export interface TranslationRouteDeps extends TranslationDeps {
  /** Undefined when the console has no safe database session (PostgreSQL without its role). */
  console: ConsoleBackend | undefined;
  consoleLimits: ConsoleLimits;
}

/** The verified caller, who becomes the translation's owner. */
export function callerOf(request: FastifyRequest): Caller {
  const principal = maybePrincipalOf(request);
  return { userId: principal?.userId, username: principal?.username };
}
