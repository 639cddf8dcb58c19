import type { ServerResponse } from 'node:http';
import { badRequest, conflict, notFound, type ServiceApp, type Static, Type } from '@flotilla/kit';
import type { Kysely } from 'kysely';
import { findJob, findJobToFollow, type JobRecord, listJobs } from '../db/jobs.js';
import { findRun, listRuns, promoteRun, runArtifact, runIdsOfJob } from '../db/runs.js';
import type { DB } from '../db/schema.js';
import { UNSTORABLE_MESSAGE, unstorablePath } from '../db/storable.js';
import { CLUSTERERS, type ClustererName, DEFAULT_SEARCH_SPACE, type SearchSpace } from '../domain/search.js';
import { RATE_STATS, type TransformConfig } from '../domain/transform.js';
import { latestSeasonSnapshots, snapshotIdsOf, snapshotsById } from '../snapshots/season.js';
import { followJob } from '../training/follow.js';
import type { TrainingJobs } from '../training/jobs.js';
import { ClustererSchema, Id, IdParams, MAX_INT, Page, page, Season } from './common.js';

export interface TrainingRoutesOptions {
  db: Kysely<DB>;
  jobs: TrainingJobs;
  /** Open SSE responses, ended when the service closes (hijacked replies would hold it open). */
  streams: Set<ServerResponse>;
}

const IntList = (min: number, max: number) =>
  Type.Array(Type.Integer({ minimum: min, maximum: max }), { minItems: 1, maxItems: 20, uniqueItems: true });

const TrainBody = Type.Object(
  {
    season: Type.Optional(Season),
    snapshotIds: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 2, uniqueItems: true })),
    clusterers: Type.Optional(Type.Array(ClustererSchema, { minItems: 1, uniqueItems: true })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_INT })),
    experiment: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    search: Type.Optional(
      Type.Object(
        {
          maxCandidatesPerClusterer: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
          kmeans: Type.Optional(
            Type.Object(
              {
                k: Type.Optional(IntList(2, 30)),
                nInit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
              },
              { additionalProperties: false },
            ),
          ),
          agglomerative: Type.Optional(
            Type.Object(
              {
                k: Type.Optional(IntList(2, 30)),
                linkage: Type.Optional(
                  Type.Array(Type.Union([Type.Literal('ward'), Type.Literal('average')]), {
                    minItems: 1,
                    uniqueItems: true,
                  }),
                ),
              },
              { additionalProperties: false },
            ),
          ),
          dbscan: Type.Optional(
            Type.Object(
              {
                minSamples: Type.Optional(IntList(2, 100)),
                epsQuantiles: Type.Optional(
                  Type.Array(Type.Number({ exclusiveMinimum: 0, maximum: 1 }), {
                    minItems: 1,
                    maxItems: 20,
                    uniqueItems: true,
                  }),
                ),
              },
              { additionalProperties: false },
            ),
          ),
          gaussianMixture: Type.Optional(
            Type.Object(
              {
                k: Type.Optional(IntList(2, 20)),
                covariance: Type.Optional(
                  Type.Array(Type.Union([Type.Literal('full'), Type.Literal('diag')]), {
                    minItems: 1,
                    uniqueItems: true,
                  }),
                ),
                nInit: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    transform: Type.Optional(
      Type.Object(
        {
          playoffWeight: Type.Optional(Type.Number({ minimum: 0, maximum: 10 })),
          // Bounded far above any season (82 games and up to 28 playoff games, ~5,300 minutes) so
          // that JSON's 1e400 (Infinity, which jsonb would keep as null) or 1e20 cannot be accepted.
          minMinutes: Type.Optional(Type.Number({ minimum: 0, maximum: 100_000 })),
          minGames: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000 })),
          varianceToKeep: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
          features: Type.Optional(
            Type.Array(Type.Union(RATE_STATS.map((s) => Type.Literal(s))), {
              minItems: 2,
              uniqueItems: true,
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
type TrainBodyType = Static<typeof TrainBody>;

/** The request's partial search space merged over the defaults, clusterer by clusterer. */
function searchOverrides(body: TrainBodyType['search']): Partial<SearchSpace> {
  if (!body) return {};
  const { maxCandidatesPerClusterer, ...perClusterer } = body;
  const merged: Partial<SearchSpace> = {};
  for (const [name, override] of Object.entries(perClusterer) as [ClustererName, object | undefined][]) {
    if (override) Object.assign(merged, { [name]: { ...DEFAULT_SEARCH_SPACE[name], ...override } });
  }
  if (maxCandidatesPerClusterer !== undefined) merged.maxCandidatesPerClusterer = maxCandidatesPerClusterer;
  return merged;
}

export function jobView(job: JobRecord, runIds?: number[]) {
  const request = job.request as {
    season?: string;
    snapshotIds?: number[];
    clusterers?: string[];
    seed?: number;
    experiment?: string;
  };
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    season: request.season ?? null,
    snapshotIds: request.snapshotIds ?? [],
    clusterers: request.clusterers ?? [],
    seed: request.seed ?? null,
    experiment: request.experiment ?? null,
    stepsDone: job.stepsDone,
    stepsTotal: job.stepsTotal,
    currentClusterer: job.currentClusterer,
    error: job.error,
    bestRunId: job.bestRunId,
    ...(runIds ? { runIds } : {}),
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    durationMs: job.startedAt && job.finishedAt ? job.finishedAt.getTime() - job.startedAt.getTime() : null,
  };
}

export async function trainingRoutes(app: ServiceApp, { db, jobs, streams }: TrainingRoutesOptions) {
  app.post(
    '/stats/runs',
    {
      schema: {
        summary: "Train: run the clusterers' hyperparameter search as a background job (202 + job id)",
        description:
          'Give `season` (its newest Per36 regular-season and playoff snapshots are used) or `snapshotIds` (one Regular Season, optionally one Playoffs, Per36). Progress: GET /stats/jobs/{id}/events.',
        body: TrainBody,
      },
    },
    async (request, reply) => {
      const body = request.body;
      // The request is kept with the job (jsonb): a name it cannot hold is the caller's to fix.
      const unstorable = unstorablePath(body, 'body');
      if (unstorable !== undefined) {
        throw badRequest(`${unstorable} ${UNSTORABLE_MESSAGE}`, {
          errors: [{ field: unstorable, message: UNSTORABLE_MESSAGE }],
        });
      }
      if ((body.season === undefined) === (body.snapshotIds === undefined)) {
        throw badRequest('body.season or body.snapshotIds is required (exactly one of them)', {
          errors: [{ field: 'body.season', message: 'give either season or snapshotIds' }],
        });
      }
      let set: Awaited<ReturnType<typeof latestSeasonSnapshots>>;
      if (body.snapshotIds) {
        const found = await snapshotsById(db, body.snapshotIds);
        if ('problem' in found) {
          throw badRequest(`body.snapshotIds: ${found.problem}`, {
            errors: [{ field: 'body.snapshotIds', message: found.problem }],
          });
        }
        set = found;
      } else {
        set = await latestSeasonSnapshots(db, body.season as string);
        if (!set) {
          const message = `no Per36 Regular Season snapshot of ${body.season}; fetch or import one first`;
          throw badRequest(`body.season: ${message}`, { errors: [{ field: 'body.season', message }] });
        }
      }
      const seed = body.seed ?? 0;
      const job = await jobs.submit({
        season: set.season,
        snapshotIds: snapshotIdsOf(set),
        experiment: body.experiment ?? `nba-player-clusters-${set.season}`,
        clusterers: body.clusterers ?? [...CLUSTERERS],
        seed,
        search: searchOverrides(body.search),
        transform: (body.transform ?? {}) as Partial<TransformConfig>,
      });
      return reply
        .code(202)
        .header('location', `/stats/jobs/${job.id}`)
        .send({
          jobId: job.id,
          ...jobView(job),
          links: { job: `/stats/jobs/${job.id}`, events: `/stats/jobs/${job.id}/events` },
        });
    },
  );

  app.get(
    '/stats/runs',
    {
      schema: {
        summary: 'Runs with their scores; best first by default',
        querystring: Type.Intersect([
          Page,
          Type.Object({
            jobId: Type.Optional(Type.String({ format: 'uuid' })),
            experiment: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            season: Type.Optional(Season),
            clusterer: Type.Optional(ClustererSchema),
            status: Type.Optional(
              Type.Union(['queued', 'running', 'finished', 'failed'].map((s) => Type.Literal(s))),
            ),
            stage: Type.Optional(Type.Union(['none', 'production', 'archived'].map((s) => Type.Literal(s)))),
            sort: Type.Union([Type.Literal('score'), Type.Literal('recent')], { default: 'score' }),
          }),
        ]),
      },
    },
    async (request) => {
      const { limit, offset, sort, ...filter } = request.query;
      const { items, total } = await listRuns(db, filter as Parameters<typeof listRuns>[1], {
        limit,
        offset,
        sort,
      });
      return page(items, total, request.query);
    },
  );

  app.get(
    '/stats/runs/:id',
    {
      schema: {
        summary: "One run: parameters, scores, and each player's label and 2-D position",
        params: IdParams,
      },
    },
    async (request) => {
      const run = await findRun(db, request.params.id);
      if (!run) throw notFound(`run ${request.params.id} does not exist`);
      const players = (await runArtifact(db, run.id, 'assignments')) ?? null;
      return { ...run, players };
    },
  );

  app.post(
    '/stats/runs/:id/promote',
    {
      schema: {
        summary: 'Make a finished run the production run; the previous one is archived',
        params: IdParams,
      },
    },
    async (request) => {
      let outcome: Awaited<ReturnType<typeof promoteRun>>;
      try {
        outcome = await promoteRun(db, request.params.id);
      } catch (error) {
        // 23505 on runs_one_production: another promotion committed between our statements.
        if ((error as { code?: string }).code === '23505') {
          throw conflict('another run was promoted at the same moment; retry');
        }
        throw error;
      }
      if (outcome === 'not-found') throw notFound(`run ${request.params.id} does not exist`);
      if (outcome === 'not-finished')
        throw conflict(`run ${request.params.id} has not finished; only finished runs can be promoted`);
      const run = await findRun(db, request.params.id);
      return { run, archivedRunIds: outcome.archived };
    },
  );

  app.get(
    '/stats/jobs',
    {
      schema: {
        summary: 'Training jobs, newest first',
        querystring: Type.Intersect([
          Page,
          Type.Object({
            status: Type.Optional(
              Type.Union(['queued', 'running', 'finished', 'failed'].map((s) => Type.Literal(s))),
            ),
          }),
        ]),
      },
    },
    async (request) => {
      const { items, total } = await listJobs(
        db,
        request.query,
        request.query.status as JobRecord['status'] | undefined,
      );
      return page(
        items.map((job) => jobView(job)),
        total,
        request.query,
      );
    },
  );

  const JobParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

  app.get(
    '/stats/jobs/:id',
    {
      schema: {
        summary: 'A training job: status, progress, run ids, the error when it failed',
        params: JobParams,
      },
    },
    async (request) => {
      const job = await findJob(db, request.params.id);
      if (!job) throw notFound(`job ${request.params.id} does not exist`);
      return jobView(job, await runIdsOfJob(db, job.id));
    },
  );

  app.get(
    '/stats/jobs/:id/events',
    {
      schema: {
        summary:
          'Server-sent events: `progress` (stepsDone/stepsTotal, clusterer), then `finished` (run ids) or `failed` (error)',
        params: JobParams,
        headers: Type.Object({
          'last-event-id': Type.Optional(
            Type.String({
              pattern: '^[0-9]{1,9}$',
              description: 'resume after this event (as an EventSource reconnecting does), on any replica',
            }),
          ),
        }),
      },
    },
    async (request, reply) => {
      const jobId = request.params.id;
      const lastEventId = request.headers['last-event-id'];
      const first = await findJobToFollow(db, jobId);
      if (!first) throw notFound(`job ${jobId} does not exist`);

      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // nginx buffers proxied responses unless told not to; events must arrive as they happen.
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      streams.add(raw);
      const stop = new AbortController();
      // A comment line now and then keeps proxies from closing an idle stream.
      const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), 15_000);
      const end = () => {
        if (stop.signal.aborted) return;
        stop.abort();
        clearInterval(keepAlive);
        streams.delete(raw);
        raw.end();
      };
      // The client went away, or the service is closing (app.ts ends every stream).
      raw.on('close', end);
      try {
        const resumeAfter = lastEventId === undefined ? undefined : Number(lastEventId);
        for await (const update of followJob(db, first, resumeAfter, stop.signal)) {
          if (stop.signal.aborted) break;
          raw.write(`id: ${update.id}\nevent: ${update.event}\ndata: ${JSON.stringify(update.data)}\n\n`);
        }
      } catch (error) {
        // The web app then polls GET /stats/jobs/{id} instead.
        if (!stop.signal.aborted) request.log.warn({ err: error, jobId }, 'job event stream ended early');
      } finally {
        end();
      }
    },
  );
}
