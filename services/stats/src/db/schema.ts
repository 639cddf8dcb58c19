import type { ColumnType, Generated, JSONColumnType } from 'kysely';

/** Table shapes of `migrations/*.sql`, as node-postgres returns them (timestamptz → Date, jsonb → parsed). */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T extends object | null> = JSONColumnType<T, string, string>;

export type JobStatus = 'queued' | 'running' | 'finished' | 'failed';
export type RunStatus = JobStatus;
export type Stage = 'none' | 'production' | 'archived';
export type SnapshotSource = 'fetched' | 'imported';

export interface SnapshotsTable {
  id: Generated<number>;
  season: string;
  season_type: string;
  per_mode: string;
  fetched_at: Timestamp;
  source: SnapshotSource;
  player_count: number;
  columns: string[];
  origin: string | null;
  raw_response: ColumnType<unknown, string, string>;
  created_at: Generated<Date>;
}

export interface ExperimentsTable {
  id: Generated<number>;
  name: string;
  created_at: Generated<Date>;
}

export interface JobsTable {
  id: string;
  kind: Generated<'train'>;
  status: JobStatus;
  experiment_id: number | null;
  request: Json<Record<string, unknown>>;
  steps_done: Generated<number>;
  steps_total: number | null;
  current_clusterer: string | null;
  error: string | null;
  best_run_id: number | null;
  created_at: Generated<Date>;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  /** The replica holding the job while it runs (host/pid/random), and until when. */
  runner: string | null;
  lease_expires_at: NullableTimestamp;
}

export interface JobEventsTable {
  id: Generated<number>;
  job_id: string;
  steps_done: number;
  steps_total: number | null;
  clusterer: string | null;
  created_at: Generated<Date>;
}

export interface RunsTable {
  id: Generated<number>;
  experiment_id: number;
  job_id: string | null;
  clusterer: string;
  params: Json<Record<string, number | string>>;
  status: RunStatus;
  error: string | null;
  seed: number;
  snapshot_ids: number[];
  stage: Generated<Stage>;
  ranking_score: number | null;
  eligible_for_best: Generated<boolean>;
  warnings: Generated<string[]>;
  mlflow_run_id: string | null;
  created_at: Generated<Date>;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  promoted_at: NullableTimestamp;
}

export interface RunMetricsTable {
  run_id: number;
  key: string;
  value: number | null;
}

export interface RunArtifactsTable {
  run_id: number;
  name: string;
  content: ColumnType<unknown, string, string>;
  created_at: Generated<Date>;
}

export interface DB {
  snapshots: SnapshotsTable;
  experiments: ExperimentsTable;
  jobs: JobsTable;
  job_events: JobEventsTable;
  runs: RunsTable;
  run_metrics: RunMetricsTable;
  run_artifacts: RunArtifactsTable;
}
