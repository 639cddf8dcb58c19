import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import type { Kysely } from 'kysely';
import { type DestinationStream, pino } from 'pino';
import type { Registry } from 'prom-client';
import { ConfigError } from './config.js';
import { ProblemSchema } from './contract.js';
import { type Database, type DatabaseOptions, openDatabase } from './database.js';
import { installProblemHandlers } from './errors.js';
import { GATEWAY_HEADER } from './auth.js';
import { type RouteDeclaration, routeDeclarations, SECURITY_SCHEMES } from './declarations.js';
import { clientErrorAnswer, discardUnreadBody, refuseOversizedBodies } from './early-answers.js';
import { installInputGuard } from './input-guard.js';
import { createMetrics, exposeMetrics, instrumentRequests } from './metrics.js';
import { HttpProblem, PROBLEM_CONTENT_TYPE } from './problem.js';
import { validatorCompiler } from './validation.js';

export type ServiceApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

export interface ServiceContext<DB> {
  /** Absent for services without a database (the gateway). */
  db: Kysely<DB>;
  metrics: Registry;
  log: FastifyBaseLogger;
  /** LISTEN on the service's database (see Database.listen); rejects for a service without one. */
  listen: Database<DB>['listen'];
  /** Register a dependency `/readyz` must find healthy. */
  addReadinessCheck(check: ReadinessCheck): void;
}

export interface ServiceDefinition<DB> {
  name: string;
  version?: string;
  description?: string;
  /** Omit for a service without a database. */
  database?: Omit<DatabaseOptions, 'name' | 'onPoolError' | 'metrics'>;
  logLevel?: string;
  /** Where logs go; tests pass a stream to read them. Defaults to stdout. */
  logStream?: DestinationStream;
  bodyLimit?: number;
  /**
   * Proxies whose X-Forwarded-For/-Proto are believed (Fastify's `trustProxy`), so
   * `request.ip` is the client's address behind an edge. Default: none.
   */
  trustProxy?: string[];
  /** Replaces the generated `/openapi.json` (the gateway serves the merged document instead). */
  openApiDocument?: (request: FastifyRequest) => Promise<unknown>;
  /**
   * Whether every route must declare its access (see declarations.ts). Only the gateway, whose
   * routes are its proxy and whose policy is generated from the services' declarations, opts out.
   */
  accessDeclarations?: boolean;
  routes: (app: ServiceApp, context: ServiceContext<DB>) => Promise<void> | void;
}

// Secrets travel in these; they must never reach a log line.
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  `req.headers["${GATEWAY_HEADER}"]`,
  'res.headers["set-cookie"]',
  '*.password',
  '*.accessToken',
  '*.refreshToken',
];

/** The kit's own routes: anyone may call them; the gateway never publishes them. */
const INFRA = { config: { access: 'public', expose: 'internal' }, schema: { hide: true } } as const;

// Probes and scrapes would drown the log at info level (readiness changes are logged on their own).
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/** One line per request, when it completes; probes and scrapes only at debug level. */
class OneLineLogs extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const fields = {
      req: { method: request.method, url: request.url },
      res: { statusCode: reply.statusCode },
      responseTime: reply.elapsedTime,
      ...(error ? { err: error } : {}),
    };
    if (error) request.log.error(fields, 'request errored');
    else if (QUIET_ROUTES.has(request.routeOptions.url ?? '') && (reply.statusCode < 400 || reply.statusCode === 503))
      request.log.debug(fields, 'request completed');
    else request.log.info(fields, 'request completed');
  }
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * Builds a service: Fastify with TypeBox schemas, problem+json errors, request ids in logs and
 * responses, Prometheus metrics, health and readiness, OpenAPI, and the database opened and
 * migrated. Closing the app drains requests and then closes the database.
 */
export async function createService<DB>(definition: ServiceDefinition<DB>): Promise<ServiceApp> {
  const logger = pino(
    {
      level: definition.logLevel ?? 'info',
      base: { service: definition.name },
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    definition.logStream ?? pino.destination(1),
  );

  const bodyLimit = definition.bodyLimit ?? 1024 * 1024;
  const app: ServiceApp = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    genReqId: requestIdFor,
    bodyLimit,
    trustProxy: definition.trustProxy && definition.trustProxy.length > 0 ? definition.trustProxy : false,
    // Graceful drain: refuse new requests with 503 while in-flight ones finish.
    return503OnClosing: true,
    logController: new OneLineLogs(),
    clientErrorHandler: clientErrorAnswer,
    // The router's own refusals (a path with a malformed percent-escape) as problems too.
    frameworkErrors: (error, request, reply) => {
      const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
      const problem = new HttpProblem(status, `the URL is not valid: ${error.message}`, {
        errors: [{ field: 'path', message: error.message }],
      });
      void (reply as FastifyReply).code(status).type(PROBLEM_CONTENT_TYPE).send(problem.toJSON(request.url));
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.addSchema(ProblemSchema);
  const declared: RouteDeclaration[] = [];
  app.decorate('declaredRoutes', declared);
  if (definition.accessDeclarations !== false) app.addHook('onRoute', routeDeclarations(declared));
  installProblemHandlers(app);
  installInputGuard(app);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  refuseOversizedBodies(app, bodyLimit);
  // While draining, answer in-flight requests with `connection: close` so keep-alive sockets
  // do not hold the server open after their last response.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (request, reply) => {
    if (closing) reply.header('connection', 'close');
    else if (!request.raw.complete) discardUnreadBody(request.raw, reply);
  });

  const metrics = createMetrics(definition.name);
  instrumentRequests(app, metrics);
  // Answered here until runService moves them to a listener of their own (METRICS_PORT).
  const metricsExposure = exposeMetrics(app, metrics);

  let database: Database<DB> | undefined;
  if (definition.database) {
    // In memory is for tests and trying things out; a deployed service that forgot its database
    // setting must not start, look healthy and lose everything on its next restart.
    if (!definition.database.url && !definition.database.dataDir && process.env.NODE_ENV === 'production') {
      throw new ConfigError(
        `${definition.name}: DATABASE_URL (or DATABASE_URL_FILE) is not set, nor DATA_DIR for an embedded database; refusing to keep data only in memory (NODE_ENV=production)`,
      );
    }
    database = await openDatabase<DB>({
      ...definition.database,
      name: definition.name,
      onPoolError: (error) => logger.warn({ err: error }, 'database connection lost'),
      metrics,
    });
    logger.info({ database: database.kind }, 'database ready');
    const opened = database;
    app.addHook('onClose', async () => opened.close());
  }

  const readiness: ReadinessCheck[] = [];
  if (database) {
    const opened = database;
    readiness.push({ name: 'database', check: () => opened.ping() });
  }

  await app.register(swagger, {
    // Shared schemas (the Problem document) keep their own name in the document, not `def-0`.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    openapi: {
      openapi: '3.1.0',
      info: {
        title: `Flotilla ${definition.name}`,
        version: definition.version ?? '0.1.0',
        ...(definition.description ? { description: definition.description } : {}),
      },
      components: { securitySchemes: SECURITY_SCHEMES },
    },
  });

  app.get('/healthz', INFRA, async () => ({ status: 'ok' }));
  let wasReady: boolean | undefined;
  app.get('/readyz', INFRA, async (request, reply) => {
    const failures: Record<string, string> = {};
    await Promise.all(
      readiness.map(async ({ name, check }) => {
        try {
          await check();
        } catch (error) {
          failures[name] = (error as Error).message;
        }
      }),
    );
    const ready = Object.keys(failures).length === 0;
    if (ready !== wasReady) {
      if (ready) logger.info('ready');
      else logger.warn({ failures }, `not ready: ${Object.keys(failures).join(', ')}`);
      wasReady = ready;
    }
    if (ready) return { status: 'ready', checks: readiness.map((c) => c.name) };
    const problem = new HttpProblem(503, `not ready: ${Object.keys(failures).join(', ')}`, { failures });
    return reply.code(503).type(PROBLEM_CONTENT_TYPE).send(problem.toJSON(request.url));
  });
  app.get('/metrics', INFRA, async (_request, reply) => {
    // Served on the metrics listener instead: here it is a path like any unknown one.
    if (metricsExposure.separate) return reply.callNotFound();
    reply.type(metrics.contentType);
    return metrics.metrics();
  });
  const openApiDocument = definition.openApiDocument;
  app.get('/openapi.json', INFRA, async (request) =>
    openApiDocument ? openApiDocument(request) : app.swagger(),
  );

  await app.register(async (scope) => {
    await definition.routes(scope, {
      db: database?.db as Kysely<DB>,
      metrics,
      log: logger,
      listen: database ? database.listen : async () => {
        throw new Error(`${definition.name} has no database to listen on`);
      },
      addReadinessCheck: (check) => readiness.push(check),
    });
  });
  return app;
}
