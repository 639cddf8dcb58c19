import { HttpProblem, notFound, type ServiceApp, Type } from '@flotilla/kit';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { findSnapshot, listSnapshots } from '../db/snapshots.js';
import { type NbaClient, NbaFetchError } from '../domain/nbaClient.js';
import type { StatsMetrics } from '../metrics.js';
import { SnapshotInputError, storeResponse, toBadRequest } from '../snapshots/store.js';
import { IdParams, Page, PerModeSchema, page, Season, SeasonTypeSchema } from './common.js';

export interface SnapshotRoutesOptions {
  db: Kysely<DB>;
  nba: NbaClient;
  metrics: StatsMetrics;
}

const QUERY_FIELDS = { season: 'query.season', seasonType: 'query.seasonType', perMode: 'query.perMode' };

const EARLIEST = new Date('0001-01-01T00:00:00Z').getTime();
const LATEST = new Date('9999-12-31T23:59:59.999Z').getTime();

/**
 * `fetchedAt` as a Date. The date-time format admits leap seconds (23:59:60), which a Date cannot
 * represent, and offsets that move an instant outside 0001–9999 UTC: PostgreSQL has no year 0,
 * and later years have no RFC 3339 spelling to answer with.
 */
function fetchedAtOf(text: string | undefined): Date {
  if (text === undefined) return new Date();
  const ms = new Date(text).getTime();
  if (!(ms >= EARLIEST && ms <= LATEST)) {
    throw new SnapshotInputError(
      'querystring.fetchedAt',
      'must be an instant between 0001-01-01 and 9999-12-31 (UTC), without a leap second',
    );
  }
  return new Date(ms);
}
const BODY_FIELDS = { season: 'body.season', seasonType: 'body.seasonType', perMode: 'body.perMode' };

export async function snapshotRoutes(app: ServiceApp, { db, nba, metrics }: SnapshotRoutesOptions) {
  app.get(
    '/stats/snapshots',
    {
      schema: {
        summary: 'Stored snapshots (without their raw response), newest first',
        querystring: Type.Intersect([
          Page,
          Type.Object({
            season: Type.Optional(Season),
            seasonType: Type.Optional(SeasonTypeSchema),
            perMode: Type.Optional(PerModeSchema),
          }),
        ]),
      },
    },
    async (request) => {
      const { items, total } = await listSnapshots(db, request.query, request.query);
      return page(items, total, request.query);
    },
  );

  app.get(
    '/stats/snapshots/:id',
    { schema: { summary: 'One snapshot (without its raw response)', params: IdParams } },
    async (request) => {
      const snapshot = await findSnapshot(db, request.params.id);
      if (!snapshot) throw notFound(`snapshot ${request.params.id} does not exist`);
      return snapshot;
    },
  );

  app.post(
    '/stats/snapshots',
    {
      schema: {
        summary: 'Fetch a season from stats.nba.com and store it as a snapshot',
        body: Type.Object(
          {
            season: Season,
            seasonType: SeasonTypeSchema,
            perMode: Type.Optional(PerModeSchema),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const { season, seasonType, perMode = 'Per36' } = request.body;
      let fetched: Awaited<ReturnType<NbaClient['fetchLeagueDashPlayerStats']>>;
      try {
        fetched = await nba.fetchLeagueDashPlayerStats({ season, seasonType, perMode });
      } catch (error) {
        if (!(error instanceof NbaFetchError)) throw error;
        // Nothing is stored: the caller learns which way the site failed. Unreachable or slow is
        // a dependency that is down (503, retry later); a refusal is the site's answer (502).
        throw new HttpProblem(
          error.unavailable ? 503 : 502,
          `stats.nba.com did not answer usably after ${error.attempts} attempt${error.attempts === 1 ? '' : 's'}: ${error.reason}. Nothing was stored; retry later or import a saved response (POST /stats/snapshots/import).`,
          { upstream: 'stats.nba.com', attempts: error.attempts, ...(error.unavailable ? { retryAfter: 60 } : {}) },
        );
      }
      try {
        const snapshot = await storeResponse(db, fetched.body, {
          source: 'fetched',
          meta: { season, seasonType, perMode },
          // The site echoes its parameters; a mismatch with what we asked is the site's fault.
          fieldNames: BODY_FIELDS,
          fetchedAt: fetched.fetchedAt,
          origin: fetched.url,
        });
        metrics.snapshots.inc({ source: 'fetched' });
        return reply.code(201).header('location', `/stats/snapshots/${snapshot.id}`).send(snapshot);
      } catch (error) {
        if (error instanceof SnapshotInputError) {
          throw new HttpProblem(
            502,
            `stats.nba.com answered with an unusable response: ${error.field} ${error.message}. Nothing was stored.`,
            {
              upstream: 'stats.nba.com',
            },
          );
        }
        throw error;
      }
    },
  );

  app.post(
    '/stats/snapshots/import',
    {
      schema: {
        summary: 'Store a saved leaguedashplayerstats response (the JSON body) as a snapshot',
        description:
          "Season, season type and per-mode come from the response's `parameters` block; the query may supply them when it is missing (a contradiction is refused).",
        querystring: Type.Object({
          season: Type.Optional(Season),
          seasonType: Type.Optional(SeasonTypeSchema),
          perMode: Type.Optional(PerModeSchema),
          fetchedAt: Type.Optional(Type.String({ format: 'date-time' })),
          origin: Type.Optional(Type.String({ maxLength: 500 })),
        }),
        body: Type.Object(
          {},
          { additionalProperties: true, description: 'the response as stats.nba.com sent it' },
        ),
      },
    },
    async (request, reply) => {
      const { fetchedAt, origin, ...meta } = request.query;
      try {
        const snapshot = await storeResponse(db, request.body, {
          source: 'imported',
          meta,
          fieldNames: QUERY_FIELDS,
          fetchedAt: fetchedAtOf(fetchedAt),
          origin: origin ?? null,
        });
        metrics.snapshots.inc({ source: 'imported' });
        return reply.code(201).header('location', `/stats/snapshots/${snapshot.id}`).send(snapshot);
      } catch (error) {
        if (error instanceof SnapshotInputError) throw toBadRequest(error);
        throw error;
      }
    },
  );
}
