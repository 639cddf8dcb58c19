import { type Static, type TSchema, Type } from '@flotilla/kit';
import { RATE_STATS } from '../domain/transform.js';
import { ClustererSchema, Id, MAX_INT, Season } from './schemas.js';

/** `POST /stats/runs`: what to train on, and how to search (objects are closed by kit). */

const IntList = (min: number, max: number, description: string) =>
  Type.Array(Type.Integer({ minimum: min, maximum: max }), {
    minItems: 1,
    maxItems: 20,
    uniqueItems: true,
    description,
  });

/** Some of a closed set of choices, each once. */
const ChoiceList = <Choice extends TSchema>(choice: Choice, description: string) =>
  Type.Array(choice, { minItems: 1, uniqueItems: true, description });

const SearchSchema = Type.Object(
  {
    maxCandidatesPerClusterer: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 200,
        description: 'At most this many candidates per clusterer, drawn from its grid with the seed',
      }),
    ),
    kmeans: Type.Optional(
      Type.Object({
        k: Type.Optional(IntList(2, 30, 'Cluster counts to try (default 2–10)')),
        nInit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, description: 'Restarts per run (default 10)' })),
      }),
    ),
    agglomerative: Type.Optional(
      Type.Object({
        k: Type.Optional(IntList(2, 30, 'Cluster counts to try (default 2–10)')),
        linkage: Type.Optional(ChoiceList(Type.Union([Type.Literal('ward'), Type.Literal('average')]), 'Linkages to try (default both)')),
      }),
    ),
    dbscan: Type.Optional(
      Type.Object({
        minSamples: Type.Optional(IntList(2, 100, 'Neighbours that make a core point (default 4, 8, 12)')),
        epsQuantiles: Type.Optional(
          Type.Array(Type.Number({ exclusiveMinimum: 0, maximum: 1 }), {
            minItems: 1,
            maxItems: 20,
            uniqueItems: true,
            description: 'eps as quantiles of the k-distance curve (default 0.5, 0.7, 0.8, 0.9, 0.95)',
          }),
        ),
      }),
    ),
    gaussianMixture: Type.Optional(
      Type.Object({
        k: Type.Optional(IntList(2, 20, 'Component counts to try (default 2–8)')),
        covariance: Type.Optional(ChoiceList(Type.Union([Type.Literal('full'), Type.Literal('diag')]), 'Covariance types to try (default both)')),
        nInit: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, description: 'Restarts per run (default 3)' })),
      }),
    ),
  },
  { description: "Overrides of the default search space, clusterer by clusterer (each merged over that clusterer's defaults)" },
);

const TransformSchema = Type.Object(
  {
    playoffWeight: Type.Optional(
      Type.Number({ minimum: 0, maximum: 10, description: 'One playoff game counts as this many regular-season games (default 2)' }),
    ),
    // Bounded far above any season (82 games and up to 28 playoff games, ~5,300 minutes) so
    // that JSON's 1e400 (Infinity, which jsonb would keep as null) or 1e20 cannot be accepted.
    minMinutes: Type.Optional(
      Type.Number({ minimum: 0, maximum: 100_000, description: 'Eligible from this many minutes (default 800)…' }),
    ),
    minGames: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 1_000, description: '…or this many games (default 40)' }),
    ),
    varianceToKeep: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 1,
        description: 'Keep the fewest principal components explaining this share of the variance (default 0.9)',
      }),
    ),
    features: Type.Optional(
      Type.Array(Type.Union(RATE_STATS.map((s) => Type.Literal(s))), {
        minItems: 2,
        uniqueItems: true,
        description: 'Per36 rates to cluster on (default: all but FGM, FGA, REB and PTS, which the others sum to)',
      }),
    ),
  },
  { description: 'How players are merged, filtered and reduced before clustering' },
);

export const TrainBody = Type.Object(
  {
    season: Type.Optional(Season),
    snapshotIds: Type.Optional(
      Type.Array(Id, {
        minItems: 1,
        maxItems: 2,
        uniqueItems: true,
        description: 'Instead of season: one Regular Season snapshot, optionally one Playoffs snapshot, both Per36',
      }),
    ),
    clusterers: Type.Optional(
      Type.Array(ClustererSchema, { minItems: 1, uniqueItems: true, description: 'Clusterers to search (default all)' }),
    ),
    seed: Type.Optional(
      Type.Integer({ minimum: 0, maximum: MAX_INT, description: 'Seed of every random step (default 0)' }),
    ),
    experiment: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Experiment name (default nba-player-clusters-SEASON)' }),
    ),
    search: Type.Optional(SearchSchema),
    transform: Type.Optional(TransformSchema),
  },
  {
    description:
      "Give `season` (its newest Regular Season and Playoffs snapshots, Per36 or Totals, are used) or `snapshotIds`, not both",
  },
);
export type TrainBodyType = Static<typeof TrainBody>;
