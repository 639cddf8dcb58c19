import { setTimeout as sleep } from 'node:timers/promises';
import { HttpProblem } from '@flotilla/kit';
import type { Kysely } from 'kysely';
import { type JobEventRecord, type JobRecord, jobSince } from '../db/jobs.js';
import { runIdsOfJob } from '../db/runs.js';
import type { DB, JobStatus } from '../db/schema.js';
import type { ClustererName } from '../domain/search.js';

/** What following a job yields (routes/jobs.ts sends them in kit's vocabulary). */
export type JobUpdate =
  | {
      event: 'progress';
      /** The event row's id: the stream's `id:`, which Last-Event-ID resumes after. */
      id: number;
      data: {
        jobId: string;
        status: JobStatus;
        stepsDone: number;
        stepsTotal: number | null;
        clusterer: ClustererName | null;
      };
    }
  | { event: 'done'; data: { jobId: string; status: 'finished'; runIds: number[]; bestRunId: number | null } }
  | { event: 'error'; problem: HttpProblem };

/**
 * How often a follower reads the job's rows. A progress bar a quarter of a second late is not
 * noticed; the cost is two indexed reads per open stream per tick.
 */
const POLL_MS = 250;

/**
 * A job's progress as it happens, then how it ended, read from the database — so every replica
 * follows every job the same way, whichever replica runs it, and a job failed by another replica's
 * sweep ends its followers' streams too. Polling rather than LISTEN/NOTIFY: the lease sweep has to
 * read the table on a timer anyway; a notification sent while a listener reconnects is lost, so a
 * listener would need this reading as well; and it takes no connection per replica held open for
 * listening (kit gives none, and none on PGlite), nor a pooler that passes LISTEN through.
 *
 * Progress ids are the event rows' ids: a client that reconnects with `Last-Event-ID`, to any
 * replica, gets the events after it and misses none. Without one it starts from the job's state.
 */
export async function* followJob(
  db: Kysely<DB>,
  start: JobRecord & { lastEventId: number },
  resumeAfter: number | undefined,
  signal: AbortSignal,
): AsyncGenerator<JobUpdate> {
  let job: JobRecord = start;
  let cursor: number;
  if (resumeAfter === undefined) {
    cursor = start.lastEventId;
    yield {
      id: cursor,
      event: 'progress',
      data: {
        jobId: job.id,
        status: job.status,
        stepsDone: job.stepsDone,
        stepsTotal: job.stepsTotal,
        clusterer: job.currentClusterer as ClustererName | null,
      },
    };
  } else {
    cursor = resumeAfter;
    const missed = await jobSince(db, job.id, cursor);
    yield* progressOf(job.id, missed.events);
    cursor = missed.events.at(-1)?.id ?? cursor;
    job = missed.job;
  }
  while (job.status === 'queued' || job.status === 'running') {
    await sleep(POLL_MS, undefined, { signal });
    const next = await jobSince(db, job.id, cursor);
    yield* progressOf(job.id, next.events);
    cursor = next.events.at(-1)?.id ?? cursor;
    job = next.job;
  }
  if (job.status === 'finished') {
    yield {
      event: 'done',
      data: { jobId: job.id, status: 'finished', runIds: await runIdsOfJob(db, job.id), bestRunId: job.bestRunId },
    };
  } else {
    yield { event: 'error', problem: jobFailure(job) };
  }
}

/**
 * A failed job as a problem document, its error the `detail`: 503 when it was interrupted (its
 * instance stopped: starting it again is the remedy), 422 when it could not be done (the data, say:
 * "only 0 eligible players"). `jobStatus` tells it from a failure of the stream itself.
 */
export function jobFailure(job: JobRecord): HttpProblem {
  const error = job.error ?? 'the job failed';
  // Both ways a job is interrupted say so first (TrainingJobs.close, failExpiredJobs).
  const interrupted = error.startsWith('interrupted:');
  return new HttpProblem(interrupted ? 503 : 422, error, { jobId: job.id, jobStatus: 'failed' });
}

function progressOf(jobId: string, events: JobEventRecord[]): JobUpdate[] {
  // Events are written only while the job runs.
  return events.map((event) => ({
    id: event.id,
    event: 'progress',
    data: {
      jobId,
      status: 'running',
      stepsDone: event.stepsDone,
      stepsTotal: event.stepsTotal,
      clusterer: event.clusterer as ClustererName | null,
    },
  }));
}
