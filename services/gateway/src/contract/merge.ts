/**
 * The gateway's contract, made from what the services declare (`npm run contract` writes it to
 * src/generated/): the routing table with each route's access, and the merged OpenAPI document,
 * paths in their public form, schemas namespaced by service, operations tagged by service. Nothing
 * here is written by hand: a route, its access and its shapes are declared once, next to the
 * route, in its service.
 */
import { ACCESS_KEY, type Access, EXPOSE_KEY, type RouteDeclaration, SECURITY_SCHEMES } from '@flotilla/kit';

export type ServiceName = 'users' | 'fleet' | 'translation' | 'stats';

/** One public route: where the gateway listens, which service answers, who may call it. */
export interface PublicRoute {
  methods: string[];
  /** The gateway's Fastify pattern, e.g. `/api/:type(cars|lorries)/:id`. */
  url: string;
  service: ServiceName;
  /** Whether the service sees the path without the gateway's `/api` prefix. */
  stripApi: boolean;
  access: Access;
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths?: Record<string, Record<string, Record<string, unknown>>>;
  components?: { schemas?: Record<string, unknown> } & Record<string, unknown>;
  tags?: Array<{ name: string; description?: string }>;
  [key: string]: unknown;
}

export interface ServiceContract {
  name: ServiceName;
  document: OpenApiDocument;
  routes: readonly RouteDeclaration[];
}

/** The routing table: every route a service publishes, in the gateway's public form. */
export function publicRoutes(services: readonly ServiceContract[]): PublicRoute[] {
  const routes: PublicRoute[] = [];
  const seen = new Map<string, ServiceName>();
  for (const { name, routes: declared } of services) {
    for (const route of declared) {
      if (route.expose === 'internal') continue;
      // Fastify answers HEAD for every GET by itself.
      const methods = route.methods.filter((method) => method !== 'HEAD');
      if (methods.length === 0) continue;
      const url = route.expose === 'api' ? `/api${route.url}` : route.url;
      for (const method of methods) {
        const key = `${method} ${url}`;
        const owner = seen.get(key);
        if (owner) throw new Error(`${key} is declared by both ${owner} and ${name}`);
        seen.set(key, name);
      }
      routes.push({ methods, url, service: name, stripApi: route.expose === 'api', access: route.access });
    }
  }
  return routes.sort((a, b) => a.url.localeCompare(b.url) || a.methods.join().localeCompare(b.methods.join()));
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** Every service's document as one, under the paths the gateway publishes. */
export function mergeDocuments(services: readonly ServiceContract[]): OpenApiDocument {
  const paths: NonNullable<OpenApiDocument['paths']> = {};
  const schemas: Record<string, unknown> = {};
  for (const { name, document } of services) {
    // Namespacing every local schema reference keeps two services' `Problem` or `def-0` apart.
    const namespaced = JSON.parse(
      JSON.stringify(document).replaceAll('"#/components/schemas/', `"#/components/schemas/${name}.`),
    ) as OpenApiDocument;
    for (const [schema, body] of Object.entries(namespaced.components?.schemas ?? {})) {
      schemas[`${name}.${schema}`] = body;
    }
    for (const [path, operations] of Object.entries(namespaced.paths ?? {})) {
      for (const [method, operation] of Object.entries(operations)) {
        if (!HTTP_METHODS.has(method)) continue;
        const expose = operation[EXPOSE_KEY];
        if (expose === 'internal') continue;
        const publicPath = expose === 'root' ? path : `/api${path}`;
        paths[publicPath] ??= {};
        const existing = paths[publicPath];
        existing[method] = { ...operation, tags: [name, ...((operation.tags as string[] | undefined) ?? [])] };
      }
    }
  }
  const sorted = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b)));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Flotilla API',
      version: '0.1.0',
      description: [
        "Every service's API as the gateway publishes it, generated from the services' own route declarations.",
        '',
        'Sign in with `POST /api/auth/login` and send the `accessToken` as `Authorization: Bearer <token>`, or create an ',
        'API key (`POST /api/api-keys`) and send it as `X-API-Key` (or as the bearer token); the web app uses an ',
        `httpOnly session cookie instead. Each operation says who may call it (\`${ACCESS_KEY}\`: public, viewer, `,
        'operator or admin; each role includes the ones before it). Errors are RFC 9457 problem documents; a 400 ',
        'names each bad field in `errors` (`body.name`, `query.limit`, `path.id`). Lists answer `{ items, nextCursor }`: ',
        'pass `nextCursor` back as `cursor` for the next page.',
      ].join(''),
    },
    tags: services.map(({ name, document }) => ({
      name,
      ...(document.info.description ? { description: document.info.description } : {}),
    })),
    paths: sorted,
    components: { schemas, securitySchemes: SECURITY_SCHEMES },
  };
}
