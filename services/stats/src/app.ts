import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createService, type ServiceApp, verifyAccess } from '@flotilla/kit';
import type { JWTVerifyGetKey } from 'jose';
import type { DestinationStream } from 'pino';
import type { StatsConfig } from './config.js';
import type { DB } from './db/schema.js';
import { createNbaClient } from './domain/nbaClient.js';
import { statsMetrics } from './metrics.js';
import { playerRoutes } from './routes/players.js';
import { snapshotRoutes } from './routes/snapshots.js';
import { trainingRoutes } from './routes/training.js';
import { TrainingJobs } from './training/jobs.js';
import { createMlflowClient } from './training/mlflow.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

export interface StatsOptions {
  logStream?: DestinationStream;
  /** Token verification keys instead of fetching USERS_URL's JWKS (tests). */
  accessKeys?: JWTVerifyGetKey;
}

/**
 * Who may call what (kit's verifyAccess): reading needs `viewer`, anything that stores or
 * computes — fetching or importing snapshots, training, promoting — needs `operator`. Listed
 * explicitly although it equals the default, so the rule is visible where the routes are.
 */
export const STATS_ACCESS = {
  'POST /stats/snapshots': 'operator',
  'POST /stats/snapshots/import': 'operator',
  'POST /stats/runs': 'operator',
  'POST /stats/runs/:id/promote': 'operator',
} as const;

export async function buildApp(config: StatsConfig, options: StatsOptions = {}): Promise<ServiceApp> {
  return createService<DB>({
    name: 'stats',
    description: 'NBA player-stats snapshots, clustering runs, experiment tracking and cluster labels',
    logLevel: config.LOG_LEVEL,
    bodyLimit: config.BODY_LIMIT_BYTES,
    ...(options.logStream ? { logStream: options.logStream } : {}),
    database: { url: config.DATABASE_URL, dataDir: config.DATA_DIR, migrationsDir: MIGRATIONS_DIR },
    async routes(app, { db, metrics: registry, log }) {
      app.addHook(
        'onRequest',
        verifyAccess({
          ...(options.accessKeys
            ? { keys: options.accessKeys }
            : { jwksUrl: new URL('/.well-known/jwks.json', config.USERS_URL) }),
          policy: STATS_ACCESS,
        }),
      );
      const metrics = statsMetrics(registry);
      const jobs = new TrainingJobs({
        db,
        log,
        metrics,
        mlflow: config.MLFLOW_TRACKING_URI
          ? createMlflowClient({
              trackingUri: config.MLFLOW_TRACKING_URI,
              timeoutMs: config.MLFLOW_TIMEOUT_MS,
            })
          : undefined,
        minClusterShare: config.BEST_RUN_MIN_CLUSTER_SHARE,
        leaseSeconds: config.JOB_LEASE_SECONDS,
      });
      const streams = new Set<ServerResponse>();
      // Before the server stops: end event streams (hijacked, they would hold it open) and stop
      // the job after its current step, while the database is still open to record why.
      app.addHook('preClose', async () => {
        for (const stream of streams) stream.end();
        streams.clear();
        await jobs.close();
      });

      const nba = createNbaClient({
        baseUrl: config.NBA_API_URL,
        timeoutMs: config.NBA_TIMEOUT_MS,
        retries: config.NBA_RETRIES,
        backoffMs: config.NBA_BACKOFF_MS,
        pauseMs: config.NBA_PAUSE_MS,
      });
      await snapshotRoutes(app, { db, nba, metrics });
      await trainingRoutes(app, { db, jobs, streams });
      await playerRoutes(app, { db });
      // Jobs are taken (and dead replicas' jobs failed) once the service is up, not while it builds.
      app.addHook('onReady', () => jobs.start());
    },
  });
}
