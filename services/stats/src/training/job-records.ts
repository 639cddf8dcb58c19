import { cursorCodec, notFound, toPage, Type } from '@flotilla/kit';
import type { Kysely } from 'kysely';
import { findJob, findJobToFollow, type JobRecord, listJobs } from '../db/jobs.js';
import { runIdsOfJob } from '../db/runs.js';
import type { DB, JobStatus } from '../db/schema.js';

/** Training jobs as callers read them: listed newest first, one with its runs, one to follow. */

// A page ends at a job, whose position the next page looks up. Lower case, as PostgreSQL writes one.
const cursors = cursorCodec(
  Type.Object(
    { id: Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' }) },
    { additionalProperties: false },
  ),
);

export async function jobsPage(
  db: Kysely<DB>,
  filter: { status?: JobStatus | undefined },
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: JobRecord[]; nextCursor: string | null }> {
  const after = cursors.decode(page.cursor);
  const rows = await listJobs(db, { limit: page.limit + 1, afterId: after?.id }, filter.status);
  return toPage(rows, page.limit, (job) => job, (last) => cursors.encode({ id: last.id }));
}

export async function getJob(db: Kysely<DB>, id: string): Promise<{ job: JobRecord; runIds: number[] }> {
  const job = await findJob(db, id);
  if (!job) throw notFound(`job ${id} does not exist`);
  return { job, runIds: await runIdsOfJob(db, job.id) };
}

/** The job to stream, with the id of its latest event; 404 before any stream opens. */
export async function jobToFollow(db: Kysely<DB>, id: string) {
  const job = await findJobToFollow(db, id);
  if (!job) throw notFound(`job ${id} does not exist`);
  return job;
}
