import { Page, pageQuery, type ServiceApp, Type } from '@flotilla/kit';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { TrainingJobs } from '../training/jobs.js';
import { getRunWithPlayers, promote, runsPage } from '../training/runs.js';
import { submitTraining } from '../training/submit.js';
import {
  AcceptedJobSchema,
  ClustererSchema,
  IdParams,
  JobId,
  PromotedSchema,
  problem,
  RunDetailSchema,
  RunSchema,
  Season,
  StageSchema,
  StatusSchema,
  NoQuery,
} from './schemas.js';
import { TrainBody } from './train-body.js';
import { jobView, runView } from './views.js';

export interface RunRoutesOptions {
  db: Kysely<DB>;
  jobs: TrainingJobs;
}

const tags = ['runs'];

/** Training (a background job) and the runs it makes: ranked, read, promoted. */
export async function runRoutes(app: ServiceApp, { db, jobs }: RunRoutesOptions) {
  app.post(
    '/stats/runs',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: "Train: run the clusterers' hyperparameter search as a background job (202 + job id)",
        querystring: NoQuery,
        description:
          'Give `season` (its newest Regular Season and Playoffs snapshots, Per36 or Totals, are used) or `snapshotIds` (one Regular Season, optionally one Playoffs, each Per36 or Totals). Follow it: GET /stats/jobs/{id}/events.',
        body: TrainBody,
        response: { 202: AcceptedJobSchema },
      },
    },
    async (request, reply) => {
      const job = await submitTraining(db, jobs, request.body);
      return reply
        .code(202)
        .header('location', `/stats/jobs/${job.id}`)
        .send({
          ...jobView(job),
          jobId: job.id,
          links: { job: `/stats/jobs/${job.id}`, events: `/stats/jobs/${job.id}/events` },
        });
    },
  );

  app.get(
    '/stats/runs',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: 'Runs with their scores; best first by default',
        querystring: Type.Object({
          jobId: Type.Optional(JobId),
          experiment: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          season: Type.Optional(Season),
          clusterer: Type.Optional(ClustererSchema),
          status: Type.Optional(StatusSchema),
          stage: Type.Optional(StageSchema),
          sort: Type.Union([Type.Literal('score'), Type.Literal('recent')], {
            default: 'score',
            description: '`score`: best first (ranking score, unranked runs last); `recent`: newest first',
          }),
          ...pageQuery({ defaultLimit: 50, maxLimit: 200 }),
        }),
        response: { 200: Page(RunSchema, 'A page of runs in the chosen order') },
      },
    },
    async (request) => {
      const { limit, cursor, sort, ...filter } = request.query;
      const page = await runsPage(db, filter, { sort, limit, cursor });
      return { items: page.items.map(runView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/stats/runs/:id',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: "One run: parameters, scores, and each player's label and 2-D position",
        params: IdParams,
        querystring: NoQuery,
        response: { 200: RunDetailSchema },
      },
    },
    async (request) => {
      const { run, players } = await getRunWithPlayers(db, request.params.id);
      return { ...runView(run), players };
    },
  );

  app.post(
    '/stats/runs/:id/promote',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: 'Make a finished run the production run; the previous one is archived',
        params: IdParams,
        querystring: NoQuery,
        response: {
          200: PromotedSchema,
          409: problem('The run has not finished, or another run was promoted at the same moment'),
        },
      },
    },
    async (request) => {
      const { run, archivedRunIds } = await promote(db, request.params.id);
      return { run: runView(run), archivedRunIds };
    },
  );
}
