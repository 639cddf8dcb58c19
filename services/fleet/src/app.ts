import { fileURLToPath } from 'node:url';
import { createService, type ServiceApp, verifyAccess } from '@flotilla/kit';
import type { JWTVerifyGetKey } from 'jose';
import type { Kysely } from 'kysely';
import type { DestinationStream } from 'pino';
import type { FleetConfig } from './config.js';
import { purgeExpiredKeys } from './db/idempotency.js';
import type { DB } from './db/schema.js';
import { FleetChanges } from './domain/changes.js';
import { createFleetMetrics } from './metrics.js';
import { fleetRoutes } from './routes/index.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

export interface FleetOptions {
  logStream?: DestinationStream;
  /**
   * Hands out the service's own database handle. Tests use it to check the table with SQL and
   * the benchmark to time plain inserts; with in-memory PGlite there is no other way in.
   */
  onDatabase?: (db: Kysely<DB>) => void;
  /** Token verification keys instead of fetching USERS_URL's JWKS (tests, the benchmark). */
  accessKeys?: JWTVerifyGetKey;
}

export async function buildApp(config: FleetConfig, options: FleetOptions = {}): Promise<ServiceApp> {
  return createService<DB>({
    name: 'fleet',
    description:
      'Resources of declared types and their allocations; no two allocations of one resource overlap',
    logLevel: config.LOG_LEVEL,
    ...(options.logStream ? { logStream: options.logStream } : {}),
    database: {
      url: config.DATABASE_URL,
      dataDir: config.DATA_DIR,
      migrationsDir: MIGRATIONS_DIR,
      extensions: ['btree_gist'],
    },
    async routes(app, { db, metrics, log, listen }) {
      // Each route declares its access (reads viewer, writes operator); this enforces it.
      app.addHook(
        'onRequest',
        verifyAccess(
          options.accessKeys
            ? { keys: options.accessKeys }
            : { jwksUrl: new URL('/.well-known/jwks.json', config.USERS_URL) },
        ),
      );
      options.onDatabase?.(db);
      // Expired idempotency keys are only dead weight (a claim takes an expired key over anyway).
      const purged = await purgeExpiredKeys(db, config.IDEMPOTENCY_TTL_HOURS);
      if (purged > 0) log.info({ purged }, 'expired idempotency keys removed');
      const changes = new FleetChanges(db, listen, log);
      // Open event streams never end by themselves: cut them before the server drains, or they
      // would hold it open (clients reconnect, to another replica or this one restarted).
      app.addHook('preClose', () => changes.close());
      await fleetRoutes(app, {
        db,
        metrics: createFleetMetrics(metrics, { openStreams: () => changes.subscriberCount }),
        idempotencyTtlHours: config.IDEMPOTENCY_TTL_HOURS,
        changes,
      });
    },
  });
}
