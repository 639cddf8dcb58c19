import { Page, ProblemSchema, type Static, Type } from '@flotilla/kit';
import { RATE_STATS, type RateStat } from '../domain/transform.js';
import { MAX_INTEGER } from '../limits.js';

/**
 * The stats service's contract: every shape it takes and answers, described field by field. The
 * OpenAPI document, and the web app's client generated from it, are made from these.
 */

type Schema = Parameters<typeof Type.Array>[0];

export const MAX_INT = MAX_INTEGER;

const nullable = <T extends Schema>(schema: T, description: string) =>
  Type.Union([schema, Type.Null()], { description });
const Timestamp = (description: string) => Type.String({ format: 'date-time', description });
const NullableTimestamp = (description: string) => nullable(Type.String({ format: 'date-time' }), description);

/** A route that takes no query parameters says so: any it is sent is refused, named. */
export const NoQuery = Type.Object({});

export const Id = Type.Integer({ minimum: 1, maximum: MAX_INT });
export const IdParams = Type.Object({ id: Id });

// The pattern as well as the format: ajv's uuid format also admits `urn:uuid:…`, which PostgreSQL's
// uuid type refuses (a 500, not a 400, if it got that far).
export const JobId = Type.String({
  format: 'uuid',
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  description: 'A training job id (UUID)',
});
export const JobParams = Type.Object({ id: JobId });

export const Season = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}$', description: 'An NBA season, e.g. 2018-19' });
export const SeasonTypeSchema = Type.Union([Type.Literal('Regular Season'), Type.Literal('Playoffs')], {
  description: "stats.nba.com's SeasonType",
});
export const PerModeSchema = Type.Union([Type.Literal('Per36'), Type.Literal('Totals'), Type.Literal('PerGame')], {
  description: "stats.nba.com's PerMode: rates per 36 minutes, season totals or per game",
});
/** What can be stored now: PerGame figures are too rounded to convert (domain/perMode.ts). */
export const UsablePerModeSchema = Type.Union([Type.Literal('Per36'), Type.Literal('Totals')], {
  description:
    "stats.nba.com's PerMode: rates per 36 minutes, or season totals (converted to per-36 rates for players and training). PerGame is refused: its one-decimal rounding is too coarse to convert",
});
export const ClustererSchema = Type.Union(
  [Type.Literal('kmeans'), Type.Literal('agglomerative'), Type.Literal('dbscan'), Type.Literal('gaussianMixture')],
  { description: 'A clustering algorithm: k-means, agglomerative (hierarchical), DBSCAN, Gaussian mixture' },
);
export const StatusSchema = Type.Union(
  [Type.Literal('queued'), Type.Literal('running'), Type.Literal('finished'), Type.Literal('failed')],
  { description: 'queued → running → finished or failed' },
);
export const StageSchema = Type.Union([Type.Literal('none'), Type.Literal('production'), Type.Literal('archived')], {
  description:
    '`production`: the one run whose labels GET /stats/clusters serves; `archived`: was production until another run was promoted',
});

/** An error answer documented by the route (kit adds the ones every route can give). */
export const problem = (description: string) => Type.Unsafe<never>({ $ref: 'Problem#', description });

/** A problem from the stats.nba.com fetch: the problem's members, and which site failed how often. */
export const UpstreamProblemSchema = (description: string) =>
  Type.Unsafe<never>(
    Type.Object(
      {
        ...ProblemSchema.properties,
        // Optional: the database being unavailable is a 503 too, without these members.
        upstream: Type.Optional(Type.Literal('stats.nba.com', { description: 'The site that failed' })),
        attempts: Type.Optional(Type.Integer({ minimum: 1, description: 'Requests made before giving up' })),
        retryAfter: Type.Optional(Type.Integer({ description: 'Seconds to wait before retrying (also Retry-After)' })),
      },
      { additionalProperties: true, description },
    ),
  );

// ---- snapshots

export const SnapshotSchema = Type.Object(
  {
    id: Id,
    season: Season,
    seasonType: SeasonTypeSchema,
    perMode: PerModeSchema,
    fetchedAt: Timestamp('When stats.nba.com answered (an import: its `fetchedAt`, else when it was imported)'),
    source: Type.Union([Type.Literal('fetched'), Type.Literal('imported')], {
      description: 'Fetched by POST /stats/snapshots, or imported from a saved response',
    }),
    playerCount: Type.Integer({ minimum: 0, description: 'Player rows in the response' }),
    columns: Type.Array(Type.String(), { description: "The response's column names, in order (PLAYER_ID, …)" }),
    origin: nullable(Type.String(), 'The URL fetched, or the `origin` an import gave; null if none was given'),
    createdAt: Timestamp('When it was stored'),
  },
  { description: 'A stored stats.nba.com leaguedashplayerstats response (its raw body is not sent)' },
);
export type SnapshotView = Static<typeof SnapshotSchema>;

// ---- players

const RATE_DESCRIPTIONS: Record<RateStat, string> = {
  fgm: 'field goals made',
  fga: 'field goals attempted',
  fg2m: 'two-point field goals made (FGM − FG3M)',
  fg2a: 'two-point field goals attempted (FGA − FG3A)',
  fg3m: 'three-pointers made',
  fg3a: 'three-pointers attempted',
  ftm: 'free throws made',
  fta: 'free throws attempted',
  oreb: 'offensive rebounds',
  dreb: 'defensive rebounds',
  reb: 'rebounds',
  ast: 'assists',
  tov: 'turnovers',
  stl: 'steals',
  blk: 'blocks',
  blka: 'his shots blocked',
  pf: 'personal fouls',
  pfd: 'personal fouls drawn',
  pts: 'points',
};
const RatesSchema = Type.Object(
  Object.fromEntries(
    RATE_STATS.map((stat) => [stat, Type.Number({ description: `${RATE_DESCRIPTIONS[stat]} per 36 minutes` })]),
  ),
  { description: 'Per36 rates, game-weighted over regular season and playoffs (playoff games count `playoffWeight` times)' },
);

export const PlayerSchema = Type.Object(
  {
    playerId: Type.Integer({ description: "stats.nba.com's PLAYER_ID" }),
    playerName: Type.String(),
    teamAbbreviation: Type.String({ description: 'Team of the regular season (of the playoffs if he played only those)' }),
    gpRegular: Type.Integer({ minimum: 0, description: 'Regular-season games played' }),
    gpPlayoffs: Type.Integer({ minimum: 0, description: 'Playoff games played' }),
    minutes: Type.Number({ minimum: 0, description: 'Minutes played, both season types' }),
    rates: RatesSchema,
    eligible: Type.Boolean({ description: 'Meets the eligibility rule, so training clusters him' }),
  },
  { description: "A player's season: regular season and playoffs merged" },
);

export const PlayersPageSchema = Type.Object(
  {
    ...Page(PlayerSchema).properties,
    season: Season,
    snapshotIds: Type.Array(Id, {
      description: "The season's newest Regular Season snapshot (Per36 or Totals), then its newest Playoffs one if any",
    }),
    eligibility: Type.Object(
      {
        minMinutes: Type.Number({ description: 'Eligible with at least this many minutes (both season types)…' }),
        minGames: Type.Integer({ description: '…or at least this many games' }),
      },
      { description: 'The rule `eligible` applies' },
    ),
    playoffWeight: Type.Number({ description: 'How many regular-season games one playoff game counts as in the rates' }),
  },
  {
    description:
      "A page of the season's players, by player id, with the facts that hold for every page (the list envelope plus the season's data set)",
  },
);

// ---- runs

export const AssignmentSchema = Type.Object(
  {
    playerId: Type.Integer({ description: "stats.nba.com's PLAYER_ID" }),
    playerName: Type.String(),
    teamAbbreviation: Type.String(),
    gp: Type.Integer({ minimum: 0, description: 'Games played, both season types' }),
    minutes: Type.Number({ minimum: 0, description: 'Minutes played, both season types' }),
    x: Type.Number({ description: 'Position on the first principal component (for the scatter plot)' }),
    y: Type.Number({ description: 'Position on the second principal component' }),
    label: Type.Integer({ minimum: -1, description: 'His cluster; −1 is DBSCAN noise (in no cluster)' }),
  },
  { description: 'An eligible player as a run clustered him' },
);

const RunParamsSchema = Type.Object(
  {
    k: Type.Optional(Type.Integer({ description: 'Clusters (kmeans, agglomerative, gaussianMixture)' })),
    nInit: Type.Optional(Type.Integer({ description: 'Restarts, the best kept (kmeans, gaussianMixture)' })),
    linkage: Type.Optional(Type.Union([Type.Literal('ward'), Type.Literal('average')], { description: 'agglomerative' })),
    eps: Type.Optional(Type.Number({ description: 'Neighbourhood radius in the PCA space (dbscan)' })),
    minSamples: Type.Optional(Type.Integer({ description: 'Neighbours that make a core point (dbscan)' })),
    covariance: Type.Optional(Type.Union([Type.Literal('full'), Type.Literal('diag')], { description: 'gaussianMixture' })),
    regularization: Type.Optional(Type.Number({ description: 'Added to covariance diagonals (gaussianMixture)' })),
    tolerance: Type.Optional(Type.Number({ description: 'EM convergence tolerance (gaussianMixture)' })),
  },
  { description: "The clusterer's hyperparameters for this run" },
);

const score = (description: string) => Type.Optional(nullable(Type.Number(), description));
const RunMetricsSchema = Type.Object(
  {
    silhouette: score('Mean silhouette, noise left out; null with fewer than 2 clusters'),
    calinskiHarabasz: score('Calinski–Harabasz index; null with fewer than 2 clusters'),
    daviesBouldin: score('Davies–Bouldin index (lower is better); null with fewer than 2 clusters'),
    clusters: Type.Optional(Type.Integer({ minimum: 0, description: 'Clusters found, noise not counted' })),
    noiseShare: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Share of players labelled noise' })),
    smallestClusterShare: Type.Optional(
      Type.Number({ minimum: 0, maximum: 1, description: 'Smallest cluster as a share of the clustered players' }),
    ),
    rankingScore: score('silhouette × (1 − noiseShare); null when silhouette is'),
  },
  {
    patternProperties: { '^diagnostics\\.': nullable(Type.Number(), 'A diagnostic of the clusterer') },
    description:
      "Scores of a finished run, in the PCA space the clusterer saw (empty until it finished), and the clusterer's diagnostics: `diagnostics.inertia`, `diagnostics.iterations` (kmeans), `diagnostics.highestKeptMerge` (agglomerative), `diagnostics.corePoints`, `diagnostics.noisePoints` (dbscan), `diagnostics.logLikelihood`, `diagnostics.bic`, `diagnostics.iterations`, `diagnostics.converged` (gaussianMixture; null when not finite)",
  },
);

export const RunSchema = Type.Object(
  {
    id: Id,
    experimentId: Id,
    experimentName: Type.String({ description: 'The experiment (e.g. nba-player-clusters-2018-19) the run belongs to' }),
    jobId: nullable(JobId, 'The training job that made it'),
    clusterer: ClustererSchema,
    params: RunParamsSchema,
    status: StatusSchema,
    error: nullable(Type.String(), 'Why it failed; null unless failed'),
    seed: Type.Integer({ minimum: 0, description: 'Seed of every random step' }),
    snapshotIds: Type.Array(Id, { description: 'The snapshots trained on (Regular Season, then Playoffs if any)' }),
    stage: StageSchema,
    rankingScore: nullable(Type.Number(), 'silhouette × (1 − noiseShare), what runs are ranked by; null until finished, or when undefined'),
    eligibleForBest: Type.Boolean({
      description: 'May be chosen as best: at least 3 clusters, the smallest holding at least BEST_RUN_MIN_CLUSTER_SHARE of the players',
    }),
    warnings: Type.Array(Type.String(), { description: 'What went wrong logging it to MLflow (never a reason to fail it)' }),
    mlflowRunId: nullable(Type.String(), "Its MLflow run id when it was logged to MLflow"),
    metrics: RunMetricsSchema,
    createdAt: Timestamp('When it was queued'),
    startedAt: NullableTimestamp('When it started'),
    finishedAt: NullableTimestamp('When it finished or failed'),
    promotedAt: NullableTimestamp('When it was last promoted to production'),
  },
  { description: 'A clustering run: one clusterer with one set of hyperparameters on one season' },
);
export type RunView = Static<typeof RunSchema>;

export const RunDetailSchema = Type.Object(
  {
    ...RunSchema.properties,
    players: nullable(Type.Array(AssignmentSchema), 'Every clustered player; null until the run finished'),
  },
  { description: "A run with each player's label and position" },
);

export const PromotedSchema = Type.Object({
  run: RunSchema,
  archivedRunIds: Type.Array(Id, { description: 'The run that was production until now (empty if none, or if it was this one)' }),
});

export const ClustersSchema = Type.Object(
  {
    run: RunSchema,
    season: nullable(Season, "The season of the run's snapshots"),
    clusters: Type.Array(
      Type.Object({
        label: Type.Integer({ minimum: -1, description: 'Cluster label; −1 is DBSCAN noise' }),
        size: Type.Integer({ minimum: 1, description: 'Players with this label' }),
      }),
      { description: 'Each label with its size, by label' },
    ),
    players: Type.Array(AssignmentSchema),
  },
  { description: 'The production run and its labels' },
);

// ---- jobs

const JobProperties = {
  id: JobId,
  kind: Type.Literal('train'),
  status: StatusSchema,
  season: Season,
  snapshotIds: Type.Array(Id, { description: 'The snapshots trained on' }),
  clusterers: Type.Array(ClustererSchema, { description: 'The clusterers searched, in order' }),
  seed: Type.Integer({ minimum: 0 }),
  experiment: Type.String({ description: 'The experiment its runs belong to' }),
  stepsDone: Type.Integer({ minimum: 0, description: 'Search steps (one per candidate run) done' }),
  stepsTotal: nullable(Type.Integer({ minimum: 0 }), 'Search steps in all; null until the data is prepared'),
  currentClusterer: nullable(ClustererSchema, 'The clusterer of the step running now'),
  error: nullable(Type.String(), 'Why it failed (e.g. `interrupted: …; start the job again`); null unless failed'),
  bestRunId: nullable(Id, 'The best run (see README: best run); null until finished, or when no run qualifies'),
  createdAt: Timestamp('When it was accepted'),
  startedAt: NullableTimestamp('When a replica took it'),
  finishedAt: NullableTimestamp('When it finished or failed'),
  durationMs: nullable(Type.Integer({ minimum: 0 }), 'From start to end, once it ended'),
};
export const JobSchema = Type.Object(JobProperties, { description: 'A training job: a hyperparameter search run in the background' });
export type JobView = Static<typeof JobSchema>;

export const JobDetailSchema = Type.Object(
  { ...JobProperties, runIds: Type.Array(Id, { description: 'Its runs, in search order' }) },
  { description: 'A training job with its runs' },
);

export const AcceptedJobSchema = Type.Object(
  {
    ...JobProperties,
    jobId: JobId,
    links: Type.Object({
      job: Type.String({ description: 'GET it for the job' }),
      events: Type.String({ description: 'GET it for server-sent progress events' }),
    }),
  },
  { description: 'The queued job (`jobId` = `id`), and where to follow it' },
);

const JobProgressSchema = Type.Object(
  {
    jobId: JobId,
    status: StatusSchema,
    stepsDone: Type.Integer({ minimum: 0 }),
    stepsTotal: nullable(Type.Integer({ minimum: 0 }), 'null until the data is prepared'),
    clusterer: nullable(ClustererSchema, 'The clusterer of the step about to run'),
  },
  { description: '`progress`: where the job is (the first one: where it was when the stream began)' },
);
const JobDoneSchema = Type.Object(
  {
    jobId: JobId,
    status: Type.Literal('finished'),
    runIds: Type.Array(Id, { description: 'Its runs, in search order' }),
    bestRunId: nullable(Id, 'The best run; null when no run qualifies'),
  },
  { description: '`done`: the job finished' },
);

const JobFailedSchema = Type.Object(
  {
    ...ProblemSchema.properties,
    jobId: Type.Optional(JobId),
    jobStatus: Type.Optional(Type.Literal('failed', { description: 'Present when the job failed (not the stream)' })),
  },
  {
    additionalProperties: true,
    description:
      "`error`: a problem document. With `jobStatus: \"failed\"` the job failed and `detail` says why; without, the stream failed (the job may still run: reconnect, or poll the job)",
  },
);

/** What `GET /stats/jobs/{id}/events` sends, event by event. */
export type JobProgressData = Static<typeof JobProgressSchema>;
export type JobDoneData = Static<typeof JobDoneSchema>;

const event = (name: string, data: Schema, id: boolean) =>
  Type.Object(
    {
      ...(id
        ? { id: Type.String({ pattern: '^[0-9]+$', description: 'The `id:` line: resume after it with Last-Event-ID' }) }
        : {}),
      event: Type.Literal(name),
      data,
    },
    { additionalProperties: false },
  );

/**
 * `GET /stats/jobs/{id}/events` in kit's vocabulary, one server-sent event at a time (`id:`,
 * `event:` its name, `data:` its JSON).
 */
export const JobEventsResponse = {
  description:
    'Server-sent events: `progress` events, each with an `id:` (reconnect with Last-Event-ID to resume after it, on any replica), then `done` or `error` — with `jobStatus: "failed"` the job failed, `detail` saying why (503 when the instance running it stopped: start it again; 422 otherwise). A stream that ends without `done` or `error` was cut: reconnect, or poll GET /stats/jobs/{id}.',
  content: {
    'text/event-stream': {
      schema: Type.Union(
        [event('progress', JobProgressSchema, true), event('done', JobDoneSchema, false), event('error', JobFailedSchema, false)],
        { description: 'One server-sent event' },
      ),
    },
  },
};
