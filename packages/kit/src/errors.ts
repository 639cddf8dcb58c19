import type { FastifyError, FastifyInstance } from 'fastify';
import { HttpProblem, PROBLEM_CONTENT_TYPE } from './problem.js';
import { describeValidation } from './validation.js';

// SQLSTATE classes and socket codes that mean "the database is not there right now".
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

/** Refused without trying: the database was found unreachable and has not answered since. */
export class DatabaseUnavailableError extends Error {
  constructor(reason: string, options?: ErrorOptions) {
    super(`the database is unreachable (${reason})`, options);
    this.name = 'DatabaseUnavailableError';
  }
}

export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|database did not answer/.test(
    error.message,
  );
}

/** Maps anything thrown by a route to the problem it should be shown as. */
export function toProblem(error: unknown, requestId: string): HttpProblem {
  if (error instanceof HttpProblem) return error;
  const fastifyError = error as Partial<FastifyError> & { validation?: unknown };
  if (Array.isArray(fastifyError.validation)) {
    const errors = describeValidation(fastifyError.validationContext, fastifyError.validation);
    const detail = errors.map((e) => `${e.field} ${e.message}`).join('; ');
    return new HttpProblem(400, detail || 'invalid request', { errors });
  }
  if (isDatabaseUnavailable(error)) {
    return new HttpProblem(503, 'the database is unavailable; retry shortly', { retryAfter: 5 });
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new HttpProblem(status, fastifyError.message ?? 'bad request');
  }
  return new HttpProblem(500, `internal error; quote request id ${requestId} when reporting it`);
}

/** Every error and unknown route answers RFC 9457 problem+json. */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error, request.id);
    if (problem.status >= 500) request.log.error({ err: error }, problem.detail);
    else request.log.info({ status: problem.status, detail: problem.detail }, 'request refused');
    if (problem.status === 503) reply.header('retry-after', String(problem.extensions.retryAfter ?? 5));
    return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem.toJSON(request.url));
  });
  app.setNotFoundHandler((request, reply) => {
    const problem = new HttpProblem(404, `no route for ${request.method} ${request.url.split('?')[0]}`);
    return reply.code(404).type(PROBLEM_CONTENT_TYPE).send(problem.toJSON(request.url));
  });
}
