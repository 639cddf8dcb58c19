import { Page, pageQuery, type ServiceApp, Type } from '@flotilla/kit';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { NbaClient } from '../domain/nbaClient.js';
import type { StatsMetrics } from '../metrics.js';
import { fetchSnapshot, getSnapshot, importSnapshot, snapshotsPage } from '../snapshots/catalog.js';
import {
  IdParams,
  PerModeSchema,
  Season,
  SeasonTypeSchema,
  SnapshotSchema,
  UpstreamProblemSchema,
  UsablePerModeSchema,
  NoQuery,
} from './schemas.js';
import { snapshotView } from './views.js';

export interface SnapshotRoutesOptions {
  db: Kysely<DB>;
  nba: NbaClient;
  metrics: StatsMetrics;
}

const tags = ['snapshots'];

export async function snapshotRoutes(app: ServiceApp, { db, nba, metrics }: SnapshotRoutesOptions) {
  app.get(
    '/stats/snapshots',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: 'Stored snapshots (without their raw response), newest first',
        querystring: Type.Object({
          season: Type.Optional(Season),
          seasonType: Type.Optional(SeasonTypeSchema),
          perMode: Type.Optional(PerModeSchema),
          ...pageQuery({ defaultLimit: 50, maxLimit: 200 }),
        }),
        response: { 200: Page(SnapshotSchema, 'A page of snapshots, newest first') },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      const page = await snapshotsPage(db, filter, { limit, cursor });
      return { items: page.items.map(snapshotView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/stats/snapshots/:id',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: 'One snapshot (without its raw response)',
        params: IdParams,
        querystring: NoQuery,
        response: { 200: SnapshotSchema },
      },
    },
    async (request) => snapshotView(await getSnapshot(db, request.params.id)),
  );

  app.post(
    '/stats/snapshots',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: 'Fetch a season from stats.nba.com and store it as a snapshot',
        querystring: NoQuery,
        description:
          'Needs the server to reach NBA_API_URL. Nothing is stored when the site fails: 503 (with Retry-After) when it cannot be reached or does not answer in time, 502 when it refuses or answers unusably.',
        body: Type.Object({
          season: Season,
          seasonType: SeasonTypeSchema,
          perMode: Type.Optional(UsablePerModeSchema),
        }),
        response: {
          201: SnapshotSchema,
          502: UpstreamProblemSchema('stats.nba.com refused, or answered with a response that cannot be used'),
          503: UpstreamProblemSchema('stats.nba.com (or the database) cannot be reached: retry after Retry-After'),
        },
      },
    },
    async (request, reply) => {
      const { season, seasonType, perMode = 'Per36' } = request.body;
      const snapshot = await fetchSnapshot(db, { nba, metrics }, { season, seasonType, perMode });
      return reply.code(201).header('location', `/stats/snapshots/${snapshot.id}`).send(snapshotView(snapshot));
    },
  );

  app.post(
    '/stats/snapshots/import',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: 'Store a saved leaguedashplayerstats response (the JSON body) as a snapshot',
        description:
          "Season, season type and per-mode come from the response's `parameters` block; the query may supply them when it is missing (a contradiction is refused). A body that is not such a response is a 400 naming where it is wrong.",
        querystring: Type.Object({
          season: Type.Optional(Season),
          seasonType: Type.Optional(SeasonTypeSchema),
          perMode: Type.Optional(UsablePerModeSchema),
          fetchedAt: Type.Optional(
            Type.String({ format: 'date-time', description: 'When it was fetched (default: now)' }),
          ),
          origin: Type.Optional(
            Type.String({ maxLength: 500, description: 'Where it came from (a file name, a URL), kept as `origin`' }),
          ),
        }),
        body: Type.Object(
          {},
          { additionalProperties: true, description: 'The response as stats.nba.com sent it (`resultSets`, `parameters`)' },
        ),
        response: { 201: SnapshotSchema },
      },
    },
    async (request, reply) => {
      const snapshot = await importSnapshot(db, { metrics }, request.body, request.query);
      return reply.code(201).header('location', `/stats/snapshots/${snapshot.id}`).send(snapshotView(snapshot));
    },
  );
}
