import { loadConfig, serviceConfigProperties, Type } from '@flotilla/kit';

export const StatsConfigSchema = Type.Object({
  ...serviceConfigProperties(3004),
  /** The users service, whose JWKS verifies callers' tokens. */
  USERS_URL: Type.String({ format: 'uri', default: 'http://127.0.0.1:3001' }),
  /** stats.nba.com, or a mirror / loopback replay in tests. */
  NBA_API_URL: Type.String({ format: 'uri', default: 'https://stats.nba.com' }),
  // Defaults keep one POST /stats/snapshots (2 attempts + backoff) under the gateway's 30 s.
  NBA_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 12_000 }),
  NBA_RETRIES: Type.Integer({ minimum: 0, maximum: 10, default: 1 }),
  NBA_BACKOFF_MS: Type.Integer({ minimum: 0, default: 1_000 }),
  NBA_PAUSE_MS: Type.Integer({ minimum: 0, default: 1_500 }),
  /** Optional MLflow tracking server; every finished run is also logged there. */
  MLFLOW_TRACKING_URI: Type.Optional(Type.String({ format: 'uri' })),
  MLFLOW_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  /** Best-run eligibility: every cluster must hold at least this share of the clustered players. */
  BEST_RUN_MIN_CLUSTER_SHARE: Type.Number({ minimum: 0, maximum: 0.5, default: 0.05 }),
  /**
   * A running training job is its replica's for this long after each sign of life (renewed every
   * third of it); then any replica fails it. Longer than the longest search step blocks the event loop.
   */
  JOB_LEASE_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 30 }),
  /** Largest accepted request body (imported responses are a few hundred KB). */
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 16 * 1024 * 1024 }),
});

export type StatsConfig = ReturnType<typeof loadStatsConfig>;

export function loadStatsConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(StatsConfigSchema, env);
}
