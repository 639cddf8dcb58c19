import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from 'kysely';
import type { DB, ExperimentsTable, RunStatus, RunsTable, Stage } from './schema.js';

export interface RunRecord {
  id: number;
  experimentId: number;
  experimentName: string;
  jobId: string | null;
  clusterer: string;
  params: Record<string, number | string>;
  status: RunStatus;
  error: string | null;
  seed: number;
  snapshotIds: number[];
  stage: Stage;
  rankingScore: number | null;
  eligibleForBest: boolean;
  warnings: string[];
  mlflowRunId: string | null;
  /** Metric name → value (null when undefined for this run). */
  metrics: Record<string, number | null>;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  promotedAt: Date | null;
}

export async function experimentId(db: Kysely<DB>, name: string): Promise<number> {
  // `do update` (a no-op) so `returning` yields the id on conflict too.
  const row = await db
    .insertInto('experiments')
    .values({ name })
    .onConflict((oc) => oc.column('name').doUpdateSet({ name }))
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function insertQueuedRuns(
  db: Kysely<DB>,
  job: { jobId: string; experimentId: number; seed: number; snapshotIds: number[] },
  candidates: readonly { clusterer: string; params: Record<string, number | string> }[],
): Promise<number[]> {
  if (candidates.length === 0) return [];
  const rows = await db
    .insertInto('runs')
    .values(
      candidates.map((c) => ({
        experiment_id: job.experimentId,
        job_id: job.jobId,
        clusterer: c.clusterer,
        params: JSON.stringify(c.params),
        status: 'queued' as const,
        seed: job.seed,
        snapshot_ids: job.snapshotIds,
        ranking_score: null,
        error: null,
        mlflow_run_id: null,
      })),
    )
    .returning('id')
    .execute();
  // Identity values follow insertion order within one statement; sort to be explicit about it.
  return rows.map((r) => r.id).sort((a, b) => a - b);
}

export async function markRunsRunning(db: Kysely<DB>, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('runs')
    .set({ status: 'running', started_at: sql<Date>`now()` })
    .where('id', 'in', ids)
    .where('status', '=', 'queued')
    .execute();
}

export interface FinishedRun {
  id: number;
  metrics: Record<string, number | null>;
  rankingScore: number | null;
  eligibleForBest: boolean;
  diagnostics: Record<string, number>;
  assignments: unknown[];
}

/**
 * Stores a run's scores and artifact and marks it finished, all or nothing. False, storing nothing,
 * when the run is no longer running: its job was failed meanwhile by another replica.
 */
export async function finishRun(db: Kysely<DB>, run: FinishedRun): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const updated = await tx
      .updateTable('runs')
      .set({
        status: 'finished',
        ranking_score: run.rankingScore,
        eligible_for_best: run.eligibleForBest,
        finished_at: sql<Date>`now()`,
        started_at: sql<Date>`coalesce(started_at, now())`,
      })
      .where('id', '=', run.id)
      .where('status', '=', 'running')
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) return false;
    const metrics = Object.entries({ ...run.metrics, ...prefixed('diagnostics.', run.diagnostics) });
    if (metrics.length > 0) {
      await tx
        .insertInto('run_metrics')
        .values(metrics.map(([key, value]) => ({ run_id: run.id, key, value })))
        .execute();
    }
    await tx
      .insertInto('run_artifacts')
      .values({ run_id: run.id, name: 'assignments', content: JSON.stringify(run.assignments) })
      .execute();
    return true;
  });
}

function prefixed(prefix: string, values: Record<string, number>): Record<string, number | null> {
  // Infinite or NaN diagnostics cannot be stored meaningfully as a score; keep them as null.
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [`${prefix}${k}`, Number.isFinite(v) ? v : null]),
  );
}

export async function failRuns(db: Kysely<DB>, ids: readonly number[], error: string): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('runs')
    .set({ status: 'failed', error, finished_at: sql<Date>`now()` })
    .where('id', 'in', ids)
    .where('status', 'in', ['queued', 'running'])
    .execute();
}

export async function addRunWarning(db: Kysely<DB>, id: number, warning: string): Promise<void> {
  await db
    .updateTable('runs')
    .set({ warnings: sql<string[]>`array_append(warnings, ${warning})` })
    .where('id', '=', id)
    .execute();
}

export async function setMlflowRunId(db: Kysely<DB>, id: number, mlflowRunId: string): Promise<void> {
  await db.updateTable('runs').set({ mlflow_run_id: mlflowRunId }).where('id', '=', id).execute();
}

function selectRuns(db: Kysely<DB>) {
  return db
    .selectFrom('runs as r')
    .innerJoin('experiments as e', 'e.id', 'r.experiment_id')
    .select([
      'r.id',
      'r.experiment_id as experimentId',
      'e.name as experimentName',
      'r.job_id as jobId',
      'r.clusterer',
      'r.params',
      'r.status',
      'r.error',
      'r.seed',
      'r.snapshot_ids as snapshotIds',
      'r.stage',
      'r.ranking_score as rankingScore',
      'r.eligible_for_best as eligibleForBest',
      'r.warnings',
      'r.mlflow_run_id as mlflowRunId',
      'r.created_at as createdAt',
      'r.started_at as startedAt',
      'r.finished_at as finishedAt',
      'r.promoted_at as promotedAt',
      sql<Record<string, number | null>>`(
        select coalesce(jsonb_object_agg(m.key, m.value), '{}'::jsonb) from run_metrics m where m.run_id = r.id
      )`.as('metrics'),
    ]);
}

type Scope = DB & { r: RunsTable; e: ExperimentsTable };

export interface RunFilter {
  jobId?: string | undefined;
  experiment?: string | undefined;
  clusterer?: string | undefined;
  status?: RunStatus | undefined;
  stage?: Stage | undefined;
  season?: string | undefined;
}

function matching(filter: RunFilter) {
  return (eb: ExpressionBuilder<Scope, 'r' | 'e'>) => {
    const conditions: Expression<SqlBool>[] = [];
    if (filter.jobId) conditions.push(eb('r.job_id', '=', filter.jobId));
    if (filter.experiment) conditions.push(eb('e.name', '=', filter.experiment));
    if (filter.clusterer) conditions.push(eb('r.clusterer', '=', filter.clusterer));
    if (filter.status) conditions.push(eb('r.status', '=', filter.status));
    if (filter.stage) conditions.push(eb('r.stage', '=', filter.stage));
    if (filter.season) {
      conditions.push(
        eb.exists(
          eb
            .selectFrom('snapshots as s')
            .select('s.id')
            .where('s.season', '=', filter.season)
            .where(sql<boolean>`s.id = any(r.snapshot_ids)`),
        ),
      );
    }
    return eb.and(conditions);
  };
}

/**
 * A page of runs in the chosen order: `recent` is newest first (`id desc`); `score` is best first
 * (`ranking_score desc nulls last, id`). `after` is where the previous page ended; a score goes to
 * JSON and back unchanged (a double), so the comparison is exact.
 */
export type RunPage =
  | { sort: 'recent'; limit: number; after: { id: number } | undefined }
  | { sort: 'score'; limit: number; after: { score: number | null; id: number } | undefined };

export async function listRuns(db: Kysely<DB>, filter: RunFilter, page: RunPage): Promise<RunRecord[]> {
  let query = selectRuns(db).where(matching(filter));
  if (page.sort === 'score') {
    const after = page.after;
    if (after) {
      query = query.where(
        after.score === null
          ? sql<boolean>`r.ranking_score is null and r.id > ${after.id}`
          : sql<boolean>`(r.ranking_score < ${after.score} or (r.ranking_score = ${after.score} and r.id > ${after.id}) or r.ranking_score is null)`,
      );
    }
    query = query.orderBy(sql`r.ranking_score desc nulls last`).orderBy('r.id');
  } else {
    if (page.after) query = query.where('r.id', '<', page.after.id);
    query = query.orderBy('r.id', 'desc');
  }
  return query.limit(page.limit).execute();
}

export async function findRun(db: Kysely<DB>, id: number): Promise<RunRecord | undefined> {
  return selectRuns(db).where('r.id', '=', id).executeTakeFirst();
}

export async function runIdsOfJob(db: Kysely<DB>, jobId: string): Promise<number[]> {
  const rows = await db.selectFrom('runs').select('id').where('job_id', '=', jobId).orderBy('id').execute();
  return rows.map((r) => r.id);
}

export async function runArtifact(db: Kysely<DB>, runId: number, name: string): Promise<unknown> {
  const row = await db
    .selectFrom('run_artifacts')
    .select('content')
    .where('run_id', '=', runId)
    .where('name', '=', name)
    .executeTakeFirst();
  return row?.content;
}

export async function productionRun(db: Kysely<DB>): Promise<RunRecord | undefined> {
  return selectRuns(db).where('r.stage', '=', 'production').executeTakeFirst();
}

/**
 * Makes a finished run the production run and archives the previous one, in one transaction.
 * The partial unique index on `stage = 'production'` is the guard: a concurrent promotion fails
 * with a unique violation rather than leaving two production runs.
 */
export async function promoteRun(
  db: Kysely<DB>,
  id: number,
): Promise<{ archived: number[] } | 'not-found' | 'not-finished'> {
  return db.transaction().execute(async (tx) => {
    const run = await tx
      .selectFrom('runs')
      .select(['id', 'status', 'stage'])
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!run) return 'not-found';
    if (run.status !== 'finished') return 'not-finished';
    if (run.stage === 'production') return { archived: [] };
    const archived = await tx
      .updateTable('runs')
      .set({ stage: 'archived' })
      .where('stage', '=', 'production')
      .returning('id')
      .execute();
    await tx
      .updateTable('runs')
      .set({ stage: 'production', promoted_at: sql<Date>`now()` })
      .where('id', '=', id)
      .execute();
    return { archived: archived.map((r) => r.id) };
  });
}
