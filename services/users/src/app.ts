import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import { type AccessPolicy, createService, type ServiceApp, verifyAccess } from '@flotilla/kit';
import type { DestinationStream } from 'pino';
import type { UsersConfig } from './config.js';
import type { DB } from './db/schema.js';
import { resolveApiKey } from './domain/api-keys.js';
import { ensureFirstAdmin } from './domain/bootstrap.js';
import { loadSigningKey, signingKeys } from './domain/signing.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { authRoutes } from './routes/auth.js';
import { clientAddressResolver } from './routes/client.js';
import { keyRoutes } from './routes/keys.js';
import { legacyRoutes } from './routes/legacy.js';
import { userRoutes } from './routes/users.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

/** Who may call what. The gateway's table (services/gateway/src/policy.ts) says the same. */
export const ACCESS: AccessPolicy = {
  '/auth/login': 'public',
  '/auth/refresh': 'public',
  // Logout must work with an expired access token: it only needs the refresh cookie.
  '/auth/logout': 'public',
  '/.well-known/jwks.json': 'public',
  // Authenticated by the API key it exchanges (see routes/keys.ts).
  '/internal/api-key-token': 'public',
  '/auth/me': 'viewer',
  '/api-keys': 'viewer',
  '/api-keys/:id': 'viewer',
  '/users': 'admin',
  '/users/:id': 'admin',
  '/users/:id/password': 'admin',
  'POST /create_user': 'admin',
  // It names any account by id, like /users/:id.
  'GET /get_user': 'admin',
};

export interface UsersOptions {
  logStream?: DestinationStream;
}

export async function buildApp(config: UsersConfig, options: UsersOptions = {}): Promise<ServiceApp> {
  const keys = await signingKeys(loadSigningKey(config).key);
  return createService<DB>({
    name: 'users',
    description: 'Accounts, roles, sessions, API keys; issues the access tokens every service verifies',
    logLevel: config.LOG_LEVEL,
    ...(options.logStream ? { logStream: options.logStream } : {}),
    database: { url: config.DATABASE_URL, dataDir: config.DATA_DIR, migrationsDir: MIGRATIONS_DIR },
    async routes(app, { db, log }) {
      await ensureFirstAdmin(db, config.FLOTILLA_ADMIN_PASSWORD, log);
      await app.register(cookie);
      // onRequest: anonymous callers get 401 before their body is parsed or validated.
      app.addHook(
        'onRequest',
        verifyAccess({ keys: keys.verifyKeys, policy: ACCESS, apiKey: (key) => resolveApiKey(db, key) }),
      );
      if (!config.GATEWAY_SECRET) {
        log.warn(
          'GATEWAY_SECRET is not set: X-Forwarded-For is ignored, so all clients behind the gateway share one login allowance',
        );
      }
      const context = { db, keys, config, clientAddress: clientAddressResolver(config.GATEWAY_SECRET) };
      authRoutes(app, context);
      userRoutes(app, context);
      apiKeyRoutes(app, context);
      legacyRoutes(app, context);
      keyRoutes(app, context);
    },
  });
}
