/**
 * Every route says, next to itself, who may call it and where the gateway publishes it:
 *
 * ```ts
 * app.get('/cars', { config: { access: 'viewer' }, schema: { … } }, handler)
 * ```
 *
 * kit's verifyAccess enforces `access`; the gateway's routing and policy are generated from the
 * declarations (`npm run contract`), never kept in step by hand. A route without a declaration
 * stops the service at start (fail closed). Declaring a route also completes its OpenAPI
 * operation: the problem responses every operation can give, its security, its access, and
 * objects that refuse unknown properties.
 */
import type { FastifySchema, RouteOptions } from 'fastify';
import type { Access } from './auth.js';
import { closedObjects } from './validation.js';

/** Where the gateway publishes a route: under `/api` (default), at the root as is, or nowhere. */
export type Exposure = 'api' | 'root' | 'internal';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route: anyone (`public`) or at least this role. Required. */
    access?: Access;
    /** Where the gateway publishes it; default `api` (`/api` + the route's path). */
    expose?: Exposure;
  }
}

/** Keys the route's OpenAPI operation carries them under (read by the contract generator). */
export const ACCESS_KEY = 'x-flotilla-access';
export const EXPOSE_KEY = 'x-flotilla-expose';

export const SECURITY_SCHEMES = {
  bearer: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An access token from POST /api/auth/login (or an API key, which the gateway also takes here)',
  },
  apiKey: {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'An API key from POST /api/api-keys (the gateway exchanges it for a token)',
  },
} as const;

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } },
});

/** The problem responses any operation can give, by when they apply. */
function standardResponses(route: RouteOptions, access: Access, schema: FastifySchema): Record<string, unknown> {
  const responses: Record<string, unknown> = {
    400: problem('The request is not valid: `errors` names each field and what is wrong with it'),
    429: problem('Too many requests (sign-in attempts are limited per client): retry after Retry-After'),
    503: problem('A dependency (the database, an engine, a remote site) is unavailable: retry after Retry-After'),
  };
  if (access !== 'public') {
    responses[401] = problem('Not signed in, or the token expired: sign in (or refresh) and retry');
    responses[403] = problem(`Signed in without the ${access} role this needs`);
  }
  // A parameter a pattern constrains (`:type(cars|lorries)`) cannot miss; an id can.
  if (/:\w+(?![\w(])/.test(String(route.url))) responses[404] = problem('Nothing with that id');
  if (schema.body !== undefined) responses[413] = problem('The request body is larger than this service accepts');
  return responses;
}

/** One declared route, as the contract generator reads it (`app.declaredRoutes`). */
export interface RouteDeclaration {
  methods: string[];
  /** Fastify's pattern, e.g. `/:type(cars|lorries)/:id`. */
  url: string;
  access: Access;
  expose: Exposure;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route the service declared, in registration order. */
    readonly declaredRoutes: readonly RouteDeclaration[];
  }
}

/** An `onRoute` hook that checks and completes each route, recording it in `declared`. */
export function routeDeclarations(declared: RouteDeclaration[]) {
  return (route: RouteOptions): void => {
    declareRoute(route);
    const config = route.config as { access: Access; expose?: Exposure };
    declared.push({
      methods: ([] as string[]).concat(route.method),
      url: route.url,
      access: config.access,
      expose: config.expose ?? 'api',
    });
  };
}

/** Checks and completes one route as it is registered. */
function declareRoute(route: RouteOptions): void {
  const config = (route.config ?? {}) as { access?: Access; expose?: Exposure };
  const access = config.access;
  if (access === undefined) {
    const methods = Array.isArray(route.method) ? route.method.join(',') : route.method;
    throw new Error(
      `route ${methods} ${route.url} declares no access: add config: { access: 'public' | 'viewer' | 'operator' | 'admin' }`,
    );
  }
  const expose = config.expose ?? 'api';
  // Hidden operations (infrastructure, internal calls) are not documented: nothing to complete.
  if ((route.schema as { hide?: boolean } | undefined)?.hide === true) return;
  const schema: FastifySchema & Record<string, unknown> = { ...(route.schema ?? {}) };
  if (schema.body !== undefined) schema.body = closedObjects(schema.body);
  if (schema.querystring !== undefined) schema.querystring = optionalDefaults(closedObjects(schema.querystring));
  schema.response = { ...standardResponses(route, access, schema), ...asProblems(schema.response) };
  schema.security = access === 'public' ? [] : [{ bearer: [] }, { apiKey: [] }];
  schema[ACCESS_KEY] = access;
  schema[EXPOSE_KEY] = expose;
  route.schema = schema;
}

/**
 * A query parameter with a default is never required of the client (validation fills it in), so
 * the document must not say it is, though the handler's type may count on it.
 */
function optionalDefaults(schema: unknown): unknown {
  const object = schema as { properties?: Record<string, { default?: unknown }>; required?: string[] };
  if (!object.properties || !Array.isArray(object.required)) return schema;
  const required = object.required.filter((name) => object.properties?.[name]?.default === undefined);
  return { ...object, required };
}

/** A route's own error schemas (problems with extra members) are problem+json too. */
function asProblems(responses: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [status, response] of Object.entries((responses ?? {}) as Record<string, Record<string, unknown>>)) {
    const error = Number(status) >= 400 || /^[45]xx$/i.test(status);
    out[status] =
      error && response && typeof response === 'object' && !('content' in response)
        ? {
            description: response.description ?? 'A problem document',
            content: { 'application/problem+json': { schema: response } },
          }
        : response;
  }
  return out;
}
