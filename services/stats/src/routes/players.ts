import { pageQuery, type ServiceApp, Type } from '@flotilla/kit';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { seasonPlayers } from '../snapshots/players.js';
import { productionClusters } from '../training/runs.js';
import { ClustersSchema, NoQuery, PlayersPageSchema, problem, Season } from './schemas.js';
import { runView } from './views.js';

const tags = ['players'];

export async function playerRoutes(app: ServiceApp, { db }: { db: Kysely<DB> }) {
  app.get(
    '/stats/players',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: 'Players of a season: regular season and playoffs merged (Per36 rates; Totals converted), with eligibility',
        querystring: Type.Object({
          season: Season,
          eligible: Type.Optional(
            Type.Boolean({ description: 'Only players who meet (true) or miss (false) the eligibility rule' }),
          ),
          ...pageQuery({ defaultLimit: 1000, maxLimit: 1000 }),
        }),
        response: {
          200: PlayersPageSchema,
          404: problem('No Regular Season snapshot (Per36 or Totals) of that season is stored'),
        },
      },
    },
    async (request) => {
      const { season, eligible, limit, cursor } = request.query;
      return seasonPlayers(db, { season, eligible }, { limit, cursor });
    },
  );

  app.get(
    '/stats/clusters',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: 'The production run: every clustered player with cluster label and 2-D position',
        description: 'Label −1 is DBSCAN noise. 404 when no run has been promoted yet.',
        querystring: NoQuery,
        response: {
          200: ClustersSchema,
          404: problem('No run has been promoted to production yet'),
        },
      },
    },
    async () => {
      const clusters = await productionClusters(db);
      return { ...clusters, run: runView(clusters.run) };
    },
  );
}
