import { type EventStream, openEventStream, Page, pageQuery, type ServiceApp, STREAM_EVENTS, Type } from '@flotilla/kit';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { followJob } from '../training/follow.js';
import { getJob, jobsPage, jobToFollow } from '../training/job-records.js';
import {
  type JobDoneData,
  JobDetailSchema,
  JobEventsResponse,
  JobParams,
  type JobProgressData,
  JobSchema,
  StatusSchema,
  NoQuery,
} from './schemas.js';
import { jobView } from './views.js';

/**
 * Open event streams, ended when the service closes: hijacked, they would hold it open. Ending one
 * stops its follower too (the signal it follows with).
 */
export class OpenStreams {
  private readonly open = new Map<EventStream, AbortController>();

  /** Registers a stream; the signal aborts when its client goes away or the service closes. */
  add(stream: EventStream): AbortSignal {
    const closing = new AbortController();
    this.open.set(stream, closing);
    return AbortSignal.any([stream.signal, closing.signal]);
  }

  delete(stream: EventStream): void {
    this.open.delete(stream);
  }

  /** Ends every stream without a last event: a cut, after which clients resume on another replica. */
  closeAll(): void {
    for (const [stream, closing] of this.open) {
      closing.abort();
      stream.end();
    }
    this.open.clear();
  }
}

export interface JobRoutesOptions {
  db: Kysely<DB>;
  streams: OpenStreams;
}

const tags = ['jobs'];

export async function jobRoutes(app: ServiceApp, { db, streams }: JobRoutesOptions) {
  app.get(
    '/stats/jobs',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: 'Training jobs, newest first',
        querystring: Type.Object({
          status: Type.Optional(StatusSchema),
          ...pageQuery({ defaultLimit: 50, maxLimit: 200 }),
        }),
        response: { 200: Page(JobSchema, 'A page of jobs, newest first') },
      },
    },
    async (request) => {
      const { limit, cursor, status } = request.query;
      const page = await jobsPage(db, { status }, { limit, cursor });
      return { items: page.items.map(jobView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/stats/jobs/:id',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: 'A training job: status, progress, run ids, the error when it failed',
        params: JobParams,
        querystring: NoQuery,
        response: { 200: JobDetailSchema },
      },
    },
    async (request) => {
      const { job, runIds } = await getJob(db, request.params.id);
      return { ...jobView(job), runIds };
    },
  );

  app.get(
    '/stats/jobs/:id/events',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: "Server-sent events: the job's `progress`, then `done` (run ids) or `error` (why it failed)",
        params: JobParams,
        querystring: NoQuery,
        headers: Type.Object({
          'last-event-id': Type.Optional(
            Type.String({
              pattern: '^[0-9]{1,9}$',
              description: 'Resume after this event (as an EventSource reconnecting does), on any replica',
            }),
          ),
        }),
        response: { 200: JobEventsResponse },
      },
    },
    async (request, reply) => {
      const start = await jobToFollow(db, request.params.id);
      const lastEventId = request.headers['last-event-id'];
      const stream = openEventStream(request, reply);
      const signal = streams.add(stream);
      try {
        const resumeAfter = lastEventId === undefined ? undefined : Number(lastEventId);
        for await (const update of followJob(db, start, resumeAfter, signal)) {
          if (update.event === 'progress') {
            stream.send(STREAM_EVENTS.progress, update.data satisfies JobProgressData, update.id);
          } else if (update.event === 'done') {
            stream.done(update.data satisfies JobDoneData);
          } else {
            // The job's failure, not the stream's: nothing for this request to log (its runner did).
            stream.send(STREAM_EVENTS.error, update.problem.toJSON(request.url));
          }
        }
      } catch (error) {
        // The client went away or the service is closing: a cut. Otherwise the stream failed.
        if (!signal.aborted) stream.fail(error);
      } finally {
        streams.delete(stream);
        stream.end();
      }
    },
  );
}
