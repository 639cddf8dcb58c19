import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
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

/**
 * Jobs newest first (`created_at desc, id desc`), `limit` of them, after the job `afterId` when
 * given (its position looked up: `created_at` has microseconds a cursor would round; jobs are never
 * deleted).
 */
export async function listJobs(
  db: Kysely<DB>,
  page: { limit: number; afterId: string | undefined },
  status?: JobStatus,
): Promise<JobRecord[]> {
  let query = db.selectFrom('jobs').select(COLUMNS);
  if (status) query = query.where('status', '=', status);
  if (page.afterId !== undefined) {
    query = query.where(
      sql<boolean>`(created_at, id) < (select j.created_at, j.id from jobs j where j.id = ${page.afterId})`,
    );
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).execute();
}

/** A replica's hold on a running job: every write it makes about the job requires it. */
export interface Lease {
  jobId: string;
  runner: string;
  seconds: number;
}

export interface JobEventRecord {
  id: number;
  stepsDone: number;
  stepsTotal: number | null;
  clusterer: string | null;
}

const leaseUntil = (seconds: number) => sql<Date>`now() + make_interval(secs => ${seconds})`;

/**
 * Writes by a job's runner go through this: they change nothing once the job is no longer its
 * runner's (another replica failed it when its lease ran out), and say so by returning false.
 */
function held(lease: Lease) {
  return (eb: ExpressionBuilder<DB, 'jobs'>) =>
    eb.and([eb('id', '=', lease.jobId), eb('runner', '=', lease.runner), eb('status', '=', 'running')]);
}

/**
 * Takes the oldest queued job for `runner`, or nothing. `skip locked`: replicas claiming at the same
 * moment take different jobs instead of waiting for each other.
 */
export async function claimNextJob(
  db: Kysely<DB>,
  runner: string,
  leaseSeconds: number,
): Promise<JobRecord | undefined> {
  return db
    .updateTable('jobs')
    .set({
      status: 'running',
      runner,
      started_at: sql<Date>`now()`,
      lease_expires_at: leaseUntil(leaseSeconds),
    })
    .where('id', '=', (eb) =>
      eb
        .selectFrom('jobs')
        .select('id')
        .where('status', '=', 'queued')
        .orderBy('created_at')
        .orderBy('id')
        .limit(1)
        .forUpdate()
        .skipLocked(),
    )
    .returning(COLUMNS)
    .executeTakeFirst();
}

export async function renewLease(db: Kysely<DB>, lease: Lease): Promise<void> {
  await db.updateTable('jobs').set({ lease_expires_at: leaseUntil(lease.seconds) }).where(held(lease)).execute();
}

/** Once the data is prepared: the experiment the runs go to and how many steps there are. */
export async function planJob(
  db: Kysely<DB>,
  lease: Lease,
  update: { experimentId: number; stepsTotal: number },
): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({
      experiment_id: update.experimentId,
      steps_total: update.stepsTotal,
      lease_expires_at: leaseUntil(lease.seconds),
    })
    .where(held(lease))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** The job's progress and its event, together: a follower never sees one without the other. */
export async function recordJobProgress(
  db: Kysely<DB>,
  lease: Lease,
  progress: { stepsDone: number; currentClusterer: string | null },
): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const job = await tx
      .updateTable('jobs')
      .set({
        steps_done: progress.stepsDone,
        current_clusterer: progress.currentClusterer,
        lease_expires_at: leaseUntil(lease.seconds),
      })
      .where(held(lease))
      .returning('steps_total')
      .executeTakeFirst();
    if (!job) return false;
    await tx
      .insertInto('job_events')
      .values({
        job_id: lease.jobId,
        steps_done: progress.stepsDone,
        steps_total: job.steps_total,
        clusterer: progress.currentClusterer,
      })
      .execute();
    return true;
  });
}

export async function finishJob(db: Kysely<DB>, lease: Lease, bestRunId: number | null): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({
      status: 'finished',
      best_run_id: bestRunId,
      current_clusterer: null,
      finished_at: sql<Date>`now()`,
    })
    .where(held(lease))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function failJob(db: Kysely<DB>, lease: Lease, error: string): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({ status: 'failed', error, current_clusterer: null, finished_at: sql<Date>`now()` })
    .where(held(lease))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Fails every running job whose lease ran out — its runner died, or lost the database for longer
 * than the lease — with the reason, and its unfinished runs with it. Any replica may do this; a
 * job is failed once (`skip locked`, then the status check). Returns the jobs failed.
 */
export async function failExpiredJobs(db: Kysely<DB>): Promise<{ id: string; error: string }[]> {
  return db.transaction().execute(async (tx) => {
    // A runner that died inside a transaction, its connection not yet closed, still locks its
    // rows: give up for now (the next sweep tries again) rather than wait for the server to notice.
    await sql`set local lock_timeout = '5s'`.execute(tx);
    const expired = await tx
      .selectFrom('jobs')
      .select(['id', 'runner', 'lease_expires_at as leaseExpiresAt'])
      .where('status', '=', 'running')
      .where('lease_expires_at', '<', sql<Date>`now()`)
      .forUpdate()
      .skipLocked()
      .execute();
    const failed: { id: string; error: string }[] = [];
    for (const job of expired) {
      const error = `interrupted: the stats instance running this job (${job.runner}) stopped renewing its lease, which ran out at ${job.leaseExpiresAt?.toISOString()}; start the job again`;
      await tx
        .updateTable('jobs')
        .set({ status: 'failed', error, current_clusterer: null, finished_at: sql<Date>`now()` })
        .where('id', '=', job.id)
        .execute();
      await tx
        .updateTable('runs')
        .set({ status: 'failed', error: `job failed: ${error}`, finished_at: sql<Date>`now()` })
        .where('job_id', '=', job.id)
        .where('status', 'in', ['queued', 'running'])
        .execute();
      failed.push({ id: job.id, error });
    }
    return failed;
  });
}

/** A job with the id of its latest event: the state a follower starts from. */
export async function findJobToFollow(
  db: Kysely<DB>,
  id: string,
): Promise<(JobRecord & { lastEventId: number }) | undefined> {
  // One statement, so the row and the event id are of one moment.
  return db
    .selectFrom('jobs')
    .select(COLUMNS)
    .select((eb) =>
      eb.fn
        .coalesce(
          eb
            .selectFrom('job_events')
            .select((inner) => inner.fn.max('job_events.id').as('max'))
            .whereRef('job_events.job_id', '=', 'jobs.id'),
          eb.lit(0),
        )
        .as('lastEventId'),
    )
    .where('id', '=', id)
    .executeTakeFirst();
}

/**
 * The job now, and its events after `afterEventId`. The row is read first: events are written
 * before the job ends, so a job seen ended comes with all of its events.
 */
export async function jobSince(
  db: Kysely<DB>,
  id: string,
  afterEventId: number,
): Promise<{ job: JobRecord; events: JobEventRecord[] }> {
  // Jobs are never deleted: one that was found stays.
  const job = await db.selectFrom('jobs').select(COLUMNS).where('id', '=', id).executeTakeFirstOrThrow();
  const events = await db
    .selectFrom('job_events')
    .select(['id', 'steps_done as stepsDone', 'steps_total as stepsTotal', 'clusterer'])
    .where('job_id', '=', id)
    .where('id', '>', afterEventId)
    .orderBy('id')
    .execute();
  return { job, events };
}
