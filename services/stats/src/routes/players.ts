import { notFound, type ServiceApp, Type } from '@flotilla/kit';
import type { Kysely } from 'kysely';
import { productionRun, runArtifact } from '../db/runs.js';
import type { DB } from '../db/schema.js';
import { findSnapshots } from '../db/snapshots.js';
import type { PlayerAssignment } from '../domain/pipeline.js';
import { DEFAULT_TRANSFORM, isEligible, mergeSeasonTypes } from '../domain/transform.js';
import { latestSeasonSnapshots, loadInput, snapshotIdsOf } from '../snapshots/season.js';
import { Offset, page, Season } from './common.js';

export async function playerRoutes(app: ServiceApp, { db }: { db: Kysely<DB> }) {
  app.get(
    '/stats/players',
    {
      schema: {
        summary: 'Players of a season: regular season and playoffs merged (Per36 rates), with eligibility',
        querystring: Type.Object({
          season: Season,
          eligible: Type.Optional(
            Type.Boolean({ description: 'only players meeting the minutes/games rule' }),
          ),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 1000 }),
          offset: Offset,
        }),
      },
    },
    async (request) => {
      const { season, eligible, limit, offset } = request.query;
      const set = await latestSeasonSnapshots(db, season);
      if (!set) throw notFound(`no Per36 Regular Season snapshot of ${season}; fetch or import one first`);
      const input = await loadInput(db, set);
      const merged = mergeSeasonTypes(input.regular, input.playoffs, DEFAULT_TRANSFORM.playoffWeight)
        .map((player) => ({ ...player, eligible: isEligible(player) }))
        .filter((player) => eligible === undefined || player.eligible === eligible);
      return {
        season,
        snapshotIds: snapshotIdsOf(set),
        eligibility: { minMinutes: DEFAULT_TRANSFORM.minMinutes, minGames: DEFAULT_TRANSFORM.minGames },
        playoffWeight: DEFAULT_TRANSFORM.playoffWeight,
        ...page(merged.slice(offset, offset + limit), merged.length, { limit, offset }),
      };
    },
  );

  app.get(
    '/stats/clusters',
    {
      schema: {
        summary: 'The production run: every clustered player with cluster label and 2-D position',
        description: 'Label −1 is DBSCAN noise. 404 when no run has been promoted yet.',
        querystring: Type.Object({}),
      },
    },
    async () => {
      const run = await productionRun(db);
      if (!run) throw notFound('no run has been promoted to production yet; POST /stats/runs/{id}/promote');
      const players = ((await runArtifact(db, run.id, 'assignments')) ?? []) as PlayerAssignment[];
      const sizes = new Map<number, number>();
      for (const player of players) sizes.set(player.label, (sizes.get(player.label) ?? 0) + 1);
      const snapshots = await findSnapshots(db, run.snapshotIds);
      return {
        run,
        season: snapshots[0]?.season ?? null,
        clusters: [...sizes.entries()].sort(([a], [b]) => a - b).map(([label, size]) => ({ label, size })),
        players,
      };
    },
  );
}
