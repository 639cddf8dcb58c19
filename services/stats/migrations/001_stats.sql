-- Stats service: NBA snapshots, training jobs, experiments, runs with metrics and artifacts.
-- Runs on PostgreSQL 15–18 and PGlite. Ids are integer identities (pg returns int8 as text).

create table snapshots (
  id integer generated always as identity primary key,
  season text not null check (season ~ '^[0-9]{4}-[0-9]{2}$'),
  season_type text not null check (season_type in ('Regular Season', 'Playoffs')),
  per_mode text not null check (per_mode in ('Per36', 'Totals', 'PerGame')),
  fetched_at timestamptz not null,
  source text not null check (source in ('fetched', 'imported')),
  -- Rows in the response and its column names, so listings need not open the raw body.
  player_count integer not null check (player_count >= 0),
  columns text[] not null,
  -- Where it came from: the request URL for fetches, the file name for imports.
  origin text,
  raw_response jsonb not null,
  created_at timestamptz not null default now()
);
-- "The latest Per36 regular-season snapshot of 2018-19" is the common lookup.
create index snapshots_by_season on snapshots (season, season_type, per_mode, fetched_at desc, id desc);

create table experiments (
  id integer generated always as identity primary key,
  name text not null unique check (length(name) between 1 and 200),
  created_at timestamptz not null default now()
);

create table jobs (
  id uuid primary key,
  kind text not null default 'train' check (kind in ('train')),
  status text not null check (status in ('queued', 'running', 'finished', 'failed')),
  experiment_id integer references experiments (id),
  -- The request as accepted (resolved snapshot ids, clusterers, seed, search overrides).
  request jsonb not null,
  steps_done integer not null default 0,
  steps_total integer,
  current_clusterer text,
  error text,
  best_run_id integer,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  -- Touched at every step: a job whose heartbeat stopped long ago was interrupted by a crash.
  heartbeat_at timestamptz not null default now(),
  check (status not in ('finished', 'failed') or finished_at is not null),
  check (status <> 'failed' or error is not null)
);
create index jobs_recent on jobs (created_at desc);
create index jobs_unfinished on jobs (heartbeat_at) where status in ('queued', 'running');

create table runs (
  id integer generated always as identity primary key,
  experiment_id integer not null references experiments (id),
  job_id uuid references jobs (id),
  clusterer text not null check (clusterer in ('kmeans', 'agglomerative', 'dbscan', 'gaussianMixture')),
  params jsonb not null,
  status text not null check (status in ('queued', 'running', 'finished', 'failed')),
  error text,
  seed integer not null,
  snapshot_ids integer[] not null,
  stage text not null default 'none' check (stage in ('none', 'production', 'archived')),
  -- Ranking score (silhouette × (1 − noise share)) and whether the run may be chosen as best.
  ranking_score double precision,
  eligible_for_best boolean not null default false,
  -- Why MLflow logging (optional) did not fully succeed; never a reason to fail the run.
  warnings text[] not null default '{}',
  mlflow_run_id text,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  promoted_at timestamptz,
  check (stage = 'none' or status = 'finished'),
  check (status <> 'failed' or error is not null)
);
-- Only one production run at a time: a model registry with a single "production" stage.
create unique index runs_one_production on runs (stage) where stage = 'production';
create index runs_by_job on runs (job_id, id);
create index runs_by_score on runs (ranking_score desc nulls last, id);

alter table jobs add constraint jobs_best_run_fk foreign key (best_run_id) references runs (id);

create table run_metrics (
  run_id integer not null references runs (id) on delete cascade,
  key text not null,
  -- Null when the score is undefined (e.g. silhouette with fewer than two clusters).
  value double precision,
  primary key (run_id, key)
);

create table run_artifacts (
  run_id integer not null references runs (id) on delete cascade,
  name text not null,
  -- `assignments`: [{playerId, playerName, teamAbbreviation, gp, minutes, label, x, y}, …]
  content jsonb not null,
  created_at timestamptz not null default now(),
  primary key (run_id, name)
);
