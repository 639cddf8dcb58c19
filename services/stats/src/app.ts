import { fileURLToPath } from 'node:url';
import { createService, type ServiceApp, verifyAccess } from '@flotilla/kit';
import type { JWTVerifyGetKey } from 'jose';
import type { DestinationStream } from 'pino';
import type { StatsConfig } from './config.js';
import type { DB } from './db/schema.js';
import { createNbaClient } from './domain/nbaClient.js';
import { statsMetrics } from './metrics.js';
import { jobRoutes, OpenStreams } from './routes/jobs.js';
import { playerRoutes } from './routes/players.js';
import { runRoutes } from './routes/runs.js';
import { snapshotRoutes } from './routes/snapshots.js';
import { TrainingJobs } from './training/jobs.js';
import { createMlflowClient } from './training/mlflow.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

export interface StatsOptions {
  logStream?: DestinationStream;
  /** Token verification keys instead of fetching USERS_URL's JWKS (tests, describe.ts). */
  accessKeys?: JWTVerifyGetKey;
  /**
   * Whether this instance takes and runs queued training jobs and sweeps for dead replicas' ones
   * (default true). describe.ts builds the app without: it only reads its declarations.
   */
  runJobs?: boolean;
}

/**
 * Who may call what is declared next to each route (`config.access`): reading needs `viewer`;
 * anything that stores or computes — fetching or importing snapshots, training, promoting — needs
 * `operator`. kit's verifyAccess enforces it; the gateway's policy is generated from it.
 */
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
      const streams = new OpenStreams();
      // Before the server stops: end event streams (hijacked, they would hold it open) and stop
      // the job after its current step, while the database is still open to record why.
      app.addHook('preClose', async () => {
        streams.closeAll();
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
      await runRoutes(app, { db, jobs });
      await jobRoutes(app, { db, streams });
      await playerRoutes(app, { db });
      // Jobs are taken (and dead replicas' jobs failed) once the service is up, not while it builds.
      if (options.runJobs !== false) app.addHook('onReady', () => jobs.start());
    },
  });
}
