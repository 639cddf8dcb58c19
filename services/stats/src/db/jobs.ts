import { type Kysely, sql } from 'kysely';
import type { DB, JobStatus } from './schema.js';

export interface JobRecord {
  id: string;
  kind: 'train';
  status: JobStatus;
  experimentId: number | null;
  request: Record<string, unknown>;
  stepsDone: number;
  stepsTotal: number | null;
  currentClusterer: string | null;
  error: string | null;
  bestRunId: number | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const COLUMNS = [
  'id',
  'kind',
  'status',
  'experiment_id as experimentId',
  'request',
  'steps_done as stepsDone',
  'steps_total as stepsTotal',
  'current_clusterer as currentClusterer',
  'error',
  'best_run_id as bestRunId',
  'created_at as createdAt',
  'started_at as startedAt',
  'finished_at as finishedAt',
] as const;

export async function insertJob(
  db: Kysely<DB>,
  job: { id: string; request: Record<string, unknown> },
): Promise<JobRecord> {
  return db
    .insertInto('jobs')
    .values({ id: job.id, status: 'queued', request: JSON.stringify(job.request) })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
}

export async function findJob(db: Kysely<DB>, id: string): Promise<JobRecord | undefined> {
  return db.selectFrom('jobs').select(COLUMNS).where('id', '=', id).executeTakeFirst();
}

export async function listJobs(
  db: Kysely<DB>,
  page: { limit: number; offset: number },
  status?: JobStatus,
): Promise<{ items: JobRecord[]; total: number }> {
  let query = db.selectFrom('jobs');
  if (status) query = query.where('status', '=', status);
  const [items, count] = await Promise.all([
    query
      .select(COLUMNS)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(page.limit)
      .offset(page.offset)
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(count.total) };
}

/** Once the data is prepared: the experiment the runs go to and how many steps there are. */
export async function planJob(
  db: Kysely<DB>,
  id: string,
  update: { experimentId: number; stepsTotal: number },
): Promise<void> {
  await db
    .updateTable('jobs')
    .set({
      experiment_id: update.experimentId,
      steps_total: update.stepsTotal,
      heartbeat_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .execute();
}

export async function markJobRunning(db: Kysely<DB>, id: string): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ status: 'running', started_at: sql<Date>`now()`, heartbeat_at: sql<Date>`now()` })
    .where('id', '=', id)
    .execute();
}

export async function recordJobProgress(
  db: Kysely<DB>,
  id: string,
  progress: { stepsDone: number; currentClusterer: string | null },
): Promise<void> {
  await db
    .updateTable('jobs')
    .set({
      steps_done: progress.stepsDone,
      current_clusterer: progress.currentClusterer,
      heartbeat_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .execute();
}

export async function finishJob(db: Kysely<DB>, id: string, bestRunId: number | null): Promise<void> {
  await db
    .updateTable('jobs')
    .set({
      status: 'finished',
      best_run_id: bestRunId,
      current_clusterer: null,
      finished_at: sql<Date>`now()`,
      heartbeat_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .execute();
}

export async function failJob(db: Kysely<DB>, id: string, error: string): Promise<void> {
  await db
    .updateTable('jobs')
    .set({
      status: 'failed',
      error,
      current_clusterer: null,
      finished_at: sql<Date>`now()`,
      heartbeat_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'running'])
    .execute();
}

/**
 * Jobs left queued or running by a process that died (their heartbeat stopped) are failed with
 * the reason, so a client polling them gets an answer. Other replicas' live jobs keep beating.
 */
export async function failAbandonedJobs(db: Kysely<DB>, staleSeconds: number): Promise<number> {
  const result = await db
    .updateTable('jobs')
    .set({
      status: 'failed',
      error: 'interrupted: the stats service stopped while this job was queued or running; start it again',
      current_clusterer: null,
      finished_at: sql<Date>`now()`,
    })
    .where('status', 'in', ['queued', 'running'])
    .where('heartbeat_at', '<', sql<Date>`now() - make_interval(secs => ${staleSeconds})`)
    .executeTakeFirst();
  await db
    .updateTable('runs')
    .set({ status: 'failed', error: 'interrupted: its job was interrupted', finished_at: sql<Date>`now()` })
    .where('status', 'in', ['queued', 'running'])
    .where('job_id', 'in', (eb) =>
      eb.selectFrom('jobs').select('jobs.id').where('jobs.status', '=', 'failed'),
    )
    .execute();
  return Number(result.numUpdatedRows);
}
