import { type ServiceClient, serviceClient } from '@flotilla/kit';
import { publicPath, SERVICES, type ServiceName } from './routes.js';

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths?: Record<string, Record<string, { tags?: string[] } & Record<string, unknown>>>;
  components?: { schemas?: Record<string, unknown> } & Record<string, unknown>;
  tags?: Array<{ name: string; description?: string }>;
}

/**
 * The gateway's API description: every service's `/openapi.json`, paths rewritten to their public
 * form, schemas namespaced by service, operations tagged by service. A service that cannot be
 * reached is named in the description instead of failing the whole document.
 */
export class OpenApiAggregator {
  private readonly clients: Array<[ServiceName, ServiceClient]>;
  private current: OpenApiDocument;

  constructor(upstreams: Record<ServiceName, string>, timeoutMs = 2_000) {
    this.clients = SERVICES.map((name) => [name, serviceClient(upstreams[name], { name, timeoutMs })]);
    this.current = merge([], SERVICES);
  }

  /** The last merged document, for callers that cannot wait (Swagger UI's spec hook). */
  get document(): OpenApiDocument {
    return this.current;
  }

  async refresh(requestId?: string): Promise<OpenApiDocument> {
    const results = await Promise.all(
      this.clients.map(async ([name, client]) => {
        try {
          const response = await client.getJson<OpenApiDocument>(
            '/openapi.json',
            requestId ? { requestId } : {},
          );
          return response.status === 200 ? ([name, response.body] as const) : name;
        } catch {
          return name;
        }
      }),
    );
    const documents = results.filter(
      (r): r is readonly [ServiceName, OpenApiDocument] => typeof r !== 'string',
    );
    const missing = results.filter((r): r is ServiceName => typeof r === 'string');
    this.current = merge(documents, missing);
    return this.current;
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map(([, client]) => client.close()));
  }
}

function merge(
  documents: ReadonlyArray<readonly [ServiceName, OpenApiDocument]>,
  missing: readonly ServiceName[],
): OpenApiDocument {
  const paths: NonNullable<OpenApiDocument['paths']> = {};
  const schemas: Record<string, unknown> = {};
  for (const [service, document] of documents) {
    // Namespacing every local schema reference keeps two services' `def-0` apart.
    const namespaced = JSON.parse(
      JSON.stringify(document).replaceAll('"#/components/schemas/', `"#/components/schemas/${service}.`),
    ) as OpenApiDocument;
    for (const [name, schema] of Object.entries(namespaced.components?.schemas ?? {})) {
      schemas[`${service}.${name}`] = schema;
    }
    for (const [path, operations] of Object.entries(namespaced.paths ?? {})) {
      const gatewayPath = publicPath(service, path);
      if (!gatewayPath) continue;
      const tagged: typeof operations = {};
      for (const [method, operation] of Object.entries(operations)) {
        tagged[method] =
          typeof operation === 'object' && operation !== null
            ? { ...operation, tags: [service, ...(operation.tags ?? [])] }
            : operation;
      }
      paths[gatewayPath] = tagged;
    }
  }
  const unavailable =
    missing.length > 0 ? `\n\nNot reachable right now, so not listed: ${missing.join(', ')}.` : '';
  return {
    openapi: '3.1.0',
    info: {
      title: 'Flotilla API',
      version: '0.1.0',
      description: `Every service's API as the gateway exposes it.${unavailable}`,
    },
    tags: documents.map(([service]) => ({ name: service })),
    paths,
    components: { schemas },
  };
}
