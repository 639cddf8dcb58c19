import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import { createService, type ServiceApp, verifyAccess } from '@flotilla/kit';
import type { JWTVerifyGetKey } from 'jose';
import type { DestinationStream } from 'pino';
import type { UsersConfig } from './config.js';
import type { DB } from './db/schema.js';
import { resolveApiKey } from './domain/api-keys.js';
import { ensureFirstAdmin } from './domain/bootstrap.js';
import { loadSigningKey, signingKeys, verificationKeys } from './domain/signing.js';
import { accountRoutes } from './routes/account.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { authRoutes } from './routes/auth.js';
import { clientAddressResolver } from './routes/client.js';
import { keyRoutes } from './routes/keys.js';
import { legacyRoutes } from './routes/legacy.js';
import { userRoutes } from './routes/users.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

export interface UsersOptions {
  logStream?: DestinationStream;
  /**
   * Keys to trust for access tokens besides the service's own (tests: kit's startTestService
   * signs its callers' tokens with a key of its own). Never configurable from the environment.
   */
  accessKeys?: JWTVerifyGetKey;
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
      // Each route declares its access next to itself (routes/*.ts). onRequest: anonymous callers
      // get 401 before their body is parsed or validated.
      app.addHook(
        'onRequest',
        verifyAccess({
          keys: verificationKeys(keys, options.accessKeys),
          apiKey: (key) => resolveApiKey(db, key),
        }),
      );
      if (!config.GATEWAY_SECRET) {
        log.warn(
          'GATEWAY_SECRET is not set: X-Forwarded-For is ignored, so all clients behind the gateway share one login allowance',
        );
      }
      const context = { db, keys, config, clientAddress: clientAddressResolver(config.GATEWAY_SECRET) };
      authRoutes(app, context);
      accountRoutes(app, context);
      userRoutes(app, context);
      apiKeyRoutes(app, context);
      legacyRoutes(app, context);
      keyRoutes(app, context);
    },
  });
}
