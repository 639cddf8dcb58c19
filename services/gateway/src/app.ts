import cookie from '@fastify/cookie';
import swaggerUi from '@fastify/swagger-ui';
import { createService, type ServiceApp } from '@flotilla/kit';
import type { DestinationStream } from 'pino';
import type { GatewayConfig } from './config.js';
import { Gatekeeper } from './identity.js';
import document from './generated/openapi.json' with { type: 'json' };
import { proxyRoutes } from './proxy.js';
import { PUBLIC_ROUTES, serviceUrls } from './routes.js';
import { webRoutes } from './web.js';

export interface GatewayOptions {
  logStream?: DestinationStream;
}

export async function buildApp(config: GatewayConfig, options: GatewayOptions = {}): Promise<ServiceApp> {
  const upstreams = serviceUrls(config);
  const gatekeeper = new Gatekeeper({
    usersUrl: config.USERS_URL,
    jwksUrl: config.JWKS_URL ?? new URL('/.well-known/jwks.json', config.USERS_URL).href,
    allowedOrigins: config.ALLOWED_ORIGINS.split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    timeoutMs: Math.min(config.UPSTREAM_TIMEOUT_MS, 5_000),
  });
  return createService({
    name: 'gateway',
    description: 'Routes, authenticates and documents every Flotilla service',
    logLevel: config.LOG_LEVEL,
    // Requests are streamed, never parsed here: this only caps what is passed on (as nginx does).
    bodyLimit: 16 * 1024 * 1024,
    trustProxy: config.TRUST_PROXY.split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
    ...(options.logStream ? { logStream: options.logStream } : {}),
    // The gateway's API is the services' APIs: their documents, merged by `npm run contract`.
    openApiDocument: async () => document,
    // Its routes are the services' routes, whose access they declared (the routing table).
    accessDeclarations: false,
    async routes(app, { metrics }) {
      app.addHook('onClose', () => gatekeeper.close());
      await app.register(cookie);
      await app.register(swaggerUi, {
        routePrefix: '/docs',
        transformSpecification: () => document,
        // The Authorize button keeps the token across reloads of the page.
        uiConfig: { persistAuthorization: true },
      });
      await app.register(proxyRoutes, {
        upstreams,
        routes: PUBLIC_ROUTES,
        gatekeeper,
        timeoutMs: config.UPSTREAM_TIMEOUT_MS,
        metrics,
        gatewaySecret: config.GATEWAY_SECRET,
      });
      await app.register(webRoutes, { webDir: config.WEB_DIR });
    },
  });
}
