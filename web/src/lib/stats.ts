import type { Assignment, Clusterer, JobUpdate, RateStat, Run, StatsPlayer } from '../api/stats';

/* ---------- Player table ---------- */

/** A player table row: the season's merged numbers plus the production run's cluster, if any. */
export interface PlayerRow {
  playerId: number;
  name: string;
  team: string;
  gp: number;
  minutes: number;
  pts: number;
  reb: number;
  ast: number;
  stl: number;
  blk: number;
  fg3m: number;
  eligible: boolean;
  /** Cluster label in the shown run (−1 noise); undefined when the player was not clustered. */
  cluster: number | undefined;
}

export type PlayerColumn = Exclude<keyof PlayerRow, 'playerId' | 'eligible'>;
export type SortDirection = 'ascending' | 'descending';

export const PLAYER_COLUMNS: readonly { key: PlayerColumn; label: string; title: string; numeric: boolean }[] = [
  { key: 'name', label: 'Player', title: 'Player', numeric: false },
  { key: 'team', label: 'Team', title: 'Team (latest)', numeric: false },
  { key: 'cluster', label: 'Cluster', title: 'Cluster in the shown run', numeric: true },
  { key: 'gp', label: 'GP', title: 'Games played, regular season + playoffs', numeric: true },
  { key: 'minutes', label: 'MIN', title: 'Minutes, regular season + playoffs', numeric: true },
  { key: 'pts', label: 'PTS', title: 'Points per 36 minutes', numeric: true },
  { key: 'reb', label: 'REB', title: 'Rebounds per 36 minutes', numeric: true },
  { key: 'ast', label: 'AST', title: 'Assists per 36 minutes', numeric: true },
  { key: 'stl', label: 'STL', title: 'Steals per 36 minutes', numeric: true },
  { key: 'blk', label: 'BLK', title: 'Blocks per 36 minutes', numeric: true },
  { key: 'fg3m', label: '3PM', title: 'Three-pointers made per 36 minutes', numeric: true },
];

export function playerRows(players: readonly StatsPlayer[], assigned: readonly Assignment[] = []): PlayerRow[] {
  const labels = new Map(assigned.map((a) => [a.playerId, a.label]));
  return players.map((p) => ({
    playerId: p.playerId,
    name: p.playerName,
    team: p.teamAbbreviation,
    gp: p.gpRegular + p.gpPlayoffs,
    minutes: p.minutes,
    pts: p.rates.pts,
    reb: p.rates.reb,
    ast: p.rates.ast,
    stl: p.rates.stl,
    blk: p.rates.blk,
    fg3m: p.rates.fg3m,
    eligible: p.eligible,
    cluster: labels.get(p.playerId),
  }));
}

/** Case- and accent-insensitive: "doncic" finds "Luka Dončić", "lal" finds the Lakers. */
const fold = (text: string) =>
  text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();

export function filterPlayers(rows: readonly PlayerRow[], query: string): PlayerRow[] {
  const words = fold(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...rows];
  return rows.filter((row) => {
    const haystack = fold(`${row.name} ${row.team}`);
    return words.every((word) => haystack.includes(word));
  });
}

/** Sorted copy; missing values (an unclustered player's cluster) always last; ties by name. */
export function sortPlayers(rows: readonly PlayerRow[], key: PlayerColumn, direction: SortDirection): PlayerRow[] {
  const sign = direction === 'ascending' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = a[key];
    const y = b[key];
    if (x === undefined || y === undefined) {
      if (x !== y) return x === undefined ? 1 : -1;
    } else if (x !== y) {
      return sign * (typeof x === 'string' ? x.localeCompare(String(y)) : (x as number) - (y as number));
    }
    return a.name.localeCompare(b.name);
  });
}

/** The next sort after a click on a column header: same column flips, a new one starts sensibly. */
export function nextSort(
  current: { key: PlayerColumn; direction: SortDirection },
  key: PlayerColumn,
): { key: PlayerColumn; direction: SortDirection } {
  if (current.key === key) {
    return { key, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
  }
  const column = PLAYER_COLUMNS.find((c) => c.key === key);
  // Numbers: the biggest first is what one usually wants; names and clusters: A→Z, 0→n.
  return { key, direction: column?.numeric && key !== 'cluster' ? 'descending' : 'ascending' };
}

/* ---------- Scatter plot ---------- */

/** Colours for clusters 0…n, distinct in light and dark mode; noise is grey. */
export const CLUSTER_COLOURS = [
  '#2f6fb6',
  '#e07b00',
  '#2e9d4f',
  '#c62f7e',
  '#7a5cc2',
  '#0f9aa8',
  '#b8860b',
  '#d84c3e',
  '#5b7a1f',
  '#8d6e63',
];
export const NOISE_COLOUR = '#8a9099';
export const NOISE = -1;

export const clusterName = (label: number) => (label === NOISE ? 'Noise' : `Cluster ${label + 1}`);
export const clusterColour = (label: number) =>
  label === NOISE ? NOISE_COLOUR : (CLUSTER_COLOURS[label % CLUSTER_COLOURS.length] as string);

/** One point: x, y, then what the tooltip shows. */
export type ScatterPoint = [x: number, y: number, name: string, team: string, gp: number, minutes: number];

export interface ClusterSeries {
  label: number;
  name: string;
  colour: string;
  size: number;
  points: ScatterPoint[];
}

/** What a scatter axis shows: one of the run's two plotted principal components, or a per-36 stat. */
export type AxisChoice = 'pc1' | 'pc2' | RateStat;
export type PlayerRates = ReadonlyMap<number, Readonly<Record<RateStat, number>>>;

export interface ScatterOptions {
  axes?: { x: AxisChoice; y: AxisChoice };
  /** Per-36 rates by player id: needed for stat axes (a player without them is left out). */
  rates?: PlayerRates;
  /** Cluster label → its derived name, shown after the cluster's number. */
  names?: ReadonlyMap<number, string>;
}

function axisValue(player: Assignment, axis: AxisChoice, rates: PlayerRates | undefined): number | undefined {
  if (axis === 'pc1') return player.x;
  if (axis === 'pc2') return player.y;
  return rates?.get(player.playerId)?.[axis];
}

/** A cluster's name on screen: its number, then what sets it apart when known. */
export const clusterTitle = (label: number, names?: ReadonlyMap<number, string>) => {
  const name = names?.get(label);
  return name && label !== NOISE ? `${clusterName(label)} · ${name}` : clusterName(label);
};

/** One series per cluster, in label order, noise (−1) last so it is drawn under nothing. */
export function scatterSeries(players: readonly Assignment[], options: ScatterOptions = {}): ClusterSeries[] {
  const { axes = { x: 'pc1', y: 'pc2' }, rates, names } = options;
  const byLabel = new Map<number, ScatterPoint[]>();
  for (const p of players) {
    const x = axisValue(p, axes.x, rates);
    const y = axisValue(p, axes.y, rates);
    if (x === undefined || y === undefined || !Number.isFinite(x) || !Number.isFinite(y)) continue;
    const points = byLabel.get(p.label) ?? [];
    points.push([x, y, p.playerName, p.teamAbbreviation, p.gp, p.minutes]);
    byLabel.set(p.label, points);
  }
  return [...byLabel.entries()]
    .sort(([a], [b]) => (a === NOISE ? 1 : b === NOISE ? -1 : a - b))
    .map(([label, points]) => ({
      label,
      name: clusterTitle(label, names),
      colour: clusterColour(label),
      size: points.length,
      points,
    }));
}

/** ECharts' legend selection: series name → shown. */
export function legendSelection(series: readonly ClusterSeries[], hidden: ReadonlySet<number>): Record<string, boolean> {
  return Object.fromEntries(series.map((s) => [s.name, !hidden.has(s.label)]));
}

/* ---------- Stats by name ---------- */

/** Every per-36 stat the service serves, with its column label; keyed by the document's names. */
export const STAT_LABELS: Record<RateStat, { abbr: string; title: string }> = {
  pts: { abbr: 'PTS', title: 'Points' },
  reb: { abbr: 'REB', title: 'Rebounds' },
  oreb: { abbr: 'OREB', title: 'Offensive rebounds' },
  dreb: { abbr: 'DREB', title: 'Defensive rebounds' },
  ast: { abbr: 'AST', title: 'Assists' },
  stl: { abbr: 'STL', title: 'Steals' },
  blk: { abbr: 'BLK', title: 'Blocks' },
  tov: { abbr: 'TOV', title: 'Turnovers' },
  fg3m: { abbr: '3PM', title: 'Three-pointers made' },
  fg3a: { abbr: '3PA', title: 'Three-pointers attempted' },
  fg2m: { abbr: '2PM', title: 'Two-pointers made' },
  fg2a: { abbr: '2PA', title: 'Two-pointers attempted' },
  fgm: { abbr: 'FGM', title: 'Field goals made' },
  fga: { abbr: 'FGA', title: 'Field goals attempted' },
  ftm: { abbr: 'FTM', title: 'Free throws made' },
  fta: { abbr: 'FTA', title: 'Free throws attempted' },
  pf: { abbr: 'PF', title: 'Personal fouls' },
  pfd: { abbr: 'PFD', title: 'Fouls drawn' },
  blka: { abbr: 'BLKA', title: 'His shots blocked' },
};
const STATS = Object.keys(STAT_LABELS) as RateStat[];

/** The scatter's axis choices: the two components every run serves, then each stat. */
export const AXIS_CHOICES: readonly { value: AxisChoice; label: string }[] = [
  { value: 'pc1', label: 'PC1 · component 1' },
  { value: 'pc2', label: 'PC2 · component 2' },
  ...STATS.map((stat) => ({
    value: stat,
    label: `${STAT_LABELS[stat].abbr} · ${STAT_LABELS[stat].title.toLowerCase()}`,
  })),
];

export const axisTitle = (axis: AxisChoice) =>
  axis === 'pc1'
    ? 'Principal component 1'
    : axis === 'pc2'
      ? 'Principal component 2'
      : `${STAT_LABELS[axis].title} per 36 minutes`;

/* ---------- Cluster profiles ---------- */

/**
 * Stats a profile compares, one per way of playing: no sums of others (REB = OREB + DREB,
 * PTS is kept as the volume measure, FGA is split into 2PA and 3PA).
 */
export const PROFILE_STATS: readonly RateStat[] = [
  'pts',
  'fg2a',
  'fg3a',
  'fta',
  'ast',
  'tov',
  'oreb',
  'dreb',
  'stl',
  'blk',
  'pf',
];
/** The stats each profile card lists beside the league's. */
export const PROFILE_TABLE_STATS: readonly RateStat[] = ['pts', 'reb', 'ast', 'fg3a', 'stl', 'blk'];

/** A stat is a cluster's trait when its mean is at least this many league standard deviations above. */
export const TRAIT_Z = 0.5;

/**
 * What a high value of a stat says about a player, and its family: one word per family in a name
 * (a cluster high in OREB and DREB are "rebounders" once). Turnovers and fouls name nobody.
 */
const TRAITS: Partial<Record<RateStat, { word: string; family: string }>> = {
  pts: { word: 'high-volume scorers', family: 'scoring' },
  fg2a: { word: 'inside scorers', family: 'scoring' },
  fta: { word: 'foul-drawing slashers', family: 'scoring' },
  fg3a: { word: 'three-point shooters', family: 'shooting' },
  ast: { word: 'playmakers', family: 'passing' },
  oreb: { word: 'rebounders', family: 'rebounding' },
  dreb: { word: 'rebounders', family: 'rebounding' },
  blk: { word: 'rim protectors', family: 'rim' },
  stl: { word: 'ball hawks', family: 'steals' },
};

export interface StatDifference {
  stat: RateStat;
  cluster: number;
  league: number;
  /** (cluster mean − league mean) / league standard deviation. */
  z: number;
}

export interface ClusterProfile {
  label: number;
  /** Derived from its traits (see `clusterNameFrom`); "Noise" is never named. */
  name: string;
  size: number;
  means: Record<RateStat, number>;
  /** PROFILE_STATS by distance from the league, largest first (ties in PROFILE_STATS order). */
  differences: StatDifference[];
}

export interface LeagueProfile {
  size: number;
  means: Record<RateStat, number>;
  stdevs: Record<RateStat, number>;
}

const meanOf = (values: readonly number[]) => values.reduce((s, v) => s + v, 0) / values.length;

function statsOf(rows: readonly Readonly<Record<RateStat, number>>[]) {
  const means = {} as Record<RateStat, number>;
  const stdevs = {} as Record<RateStat, number>;
  for (const stat of STATS) {
    const values = rows.map((r) => r[stat]);
    means[stat] = meanOf(values);
    stdevs[stat] = Math.sqrt(meanOf(values.map((v) => (v - means[stat]) ** 2)));
  }
  return { means, stdevs };
}

/** The traits of a profile: stats at least TRAIT_Z above the league, highest first, one per family. */
export function traitsOf(differences: readonly StatDifference[]): RateStat[] {
  const families = new Set<string>();
  const traits: RateStat[] = [];
  for (const d of [...differences].sort((a, b) => b.z - a.z)) {
    const trait = TRAITS[d.stat];
    if (!trait || d.z < TRAIT_Z || families.has(trait.family)) continue;
    families.add(trait.family);
    traits.push(d.stat);
  }
  return traits;
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * A name from a cluster's traits: its strongest `count` (two), the last joined by "&"; "low-usage" in front
 * when its scoring is half a deviation or more below the league; without any trait "near league
 * average" (or "low-usage role players" when it scores that little).
 */
export function clusterNameFrom(differences: readonly StatDifference[], count = 2): string {
  const traits = traitsOf(differences).slice(0, count);
  const lowUsage = (differences.find((d) => d.stat === 'pts')?.z ?? 0) <= -TRAIT_Z;
  if (traits.length === 0) return lowUsage ? 'Low-usage role players' : 'Near league average';
  const words = [...new Set(traits.map((t) => TRAITS[t]?.word as string))];
  const listed = words.length > 1 ? `${words.slice(0, -1).join(', ')} & ${words.at(-1)}` : words.join('');
  return capitalise(`${lowUsage ? 'low-usage ' : ''}${listed}`);
}

/**
 * Each cluster's mean per-36 stats against the league's — the league being every player the run
 * clustered (noise included) — its largest differences in standard deviations, and a name derived
 * from them. Players without rates are left out. Two clusters that would share a name get their
 * third trait too, when they have one.
 */
export function clusterProfiles(
  players: readonly Assignment[],
  rates: PlayerRates,
): { league: LeagueProfile; profiles: ClusterProfile[] } | undefined {
  // By player id, so the sums (and their rounding) do not depend on the order players come in.
  const rated = [...players]
    .sort((a, b) => a.playerId - b.playerId)
    .flatMap((p) => {
      const r = rates.get(p.playerId);
      return r ? [{ label: p.label, rates: r }] : [];
    });
  if (rated.length === 0) return undefined;
  const league = { size: rated.length, ...statsOf(rated.map((p) => p.rates)) };
  const labels = [...new Set(rated.map((p) => p.label))].sort((a, b) => (a === NOISE ? 1 : b === NOISE ? -1 : a - b));
  const profiles = labels.map((label): ClusterProfile => {
    const members = rated.filter((p) => p.label === label).map((p) => p.rates);
    const { means } = statsOf(members);
    const differences = PROFILE_STATS.map((stat) => ({
      stat,
      cluster: means[stat],
      league: league.means[stat],
      z: league.stdevs[stat] > 0 ? (means[stat] - league.means[stat]) / league.stdevs[stat] : 0,
    })).sort((a, b) => Math.abs(b.z) - Math.abs(a.z));
    const name = label === NOISE ? 'Noise' : clusterNameFrom(differences);
    return { label, name, size: members.length, means, differences };
  });
  const named = new Map<string, number>();
  for (const p of profiles) if (p.label !== NOISE) named.set(p.name, (named.get(p.name) ?? 0) + 1);
  for (const p of profiles) if ((named.get(p.name) ?? 0) > 1) p.name = clusterNameFrom(p.differences, 3);
  return { league, profiles };
}

/** Per-36 rates by player id, from the season's players. */
export const ratesById = (players: readonly StatsPlayer[]): PlayerRates =>
  new Map(players.map((p) => [p.playerId, p.rates]));

/** "+1.4 σ" / "−0.6 σ", for a difference in league standard deviations. */
export const formatZ = (z: number) => `${z >= 0 ? '+' : '−'}${Math.abs(z).toFixed(1)} σ`;

/* ---------- Runs ---------- */

const METRIC_DIGITS: Record<string, number> = { silhouette: 3, calinskiHarabasz: 1, daviesBouldin: 3 };

export function formatMetric(value: number | null | undefined, key: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (key === 'noiseShare') return `${(value * 100).toFixed(1)} %`;
  if (key === 'clusters') return String(value);
  return value.toFixed(METRIC_DIGITS[key] ?? 3);
}

export function formatParams(params: Run['params']): string {
  return Object.entries(params)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'number' && !Number.isInteger(value) ? Number(value.toPrecision(3)) : value}`)
    .join(', ');
}

/** What each clusterer is called on screen; keyed by the document's values, so none is missing. */
export const CLUSTERER_NAMES: Record<Clusterer, string> = {
  kmeans: 'k-means',
  agglomerative: 'Agglomerative',
  dbscan: 'DBSCAN',
  gaussianMixture: 'Gaussian mixture',
};
export const clustererName = (name: Clusterer) => CLUSTERER_NAMES[name];

/** The run the service would call best: highest ranking score among the eligible finished runs. */
export function bestRun(runs: readonly Run[]): Run | undefined {
  let best: Run | undefined;
  for (const run of runs) {
    if (run.status !== 'finished' || !run.eligibleForBest || run.rankingScore === null) continue;
    if (!best || run.rankingScore > (best.rankingScore as number)) best = run;
  }
  return best;
}

/**
 * The runs table's order: the best run first, then the other ranked runs by score, then finished
 * runs that are not ranked (fewer than 3 clusters, or a tiny one: a high score there means
 * nothing), then runs still queued or running, then failed ones; ties by id.
 */
export function rankRuns(runs: readonly Run[]): Run[] {
  const best = bestRun(runs)?.id;
  const group = (run: Run) =>
    run.id === best ? 0 : run.status === 'finished' ? (run.eligibleForBest ? 1 : 2) : run.status === 'failed' ? 4 : 3;
  const score = (run: Run) => run.rankingScore ?? Number.NEGATIVE_INFINITY;
  return [...runs].sort((a, b) => group(a) - group(b) || score(b) - score(a) || a.id - b.id);
}

/* ---------- Training progress ---------- */

export interface TrainingState {
  phase: 'idle' | 'running' | 'finished' | 'failed';
  stepsDone: number;
  stepsTotal: number | null;
  clusterer: Clusterer | null;
  runIds: number[];
  bestRunId: number | null;
  error: string | null;
}

export const idleTraining = (): TrainingState => ({
  phase: 'idle',
  stepsDone: 0,
  stepsTotal: null,
  clusterer: null,
  runIds: [],
  bestRunId: null,
  error: null,
});

/** The progress bar's state after one job update; progress never goes backwards. */
export function applyJobUpdate(state: TrainingState, update: JobUpdate): TrainingState {
  switch (update.kind) {
    case 'progress':
      if (state.phase === 'finished' || state.phase === 'failed') return state;
      return {
        ...state,
        phase: 'running',
        stepsDone: Math.max(state.stepsDone, update.stepsDone),
        stepsTotal: update.stepsTotal ?? state.stepsTotal,
        clusterer: update.clusterer ?? state.clusterer,
      };
    case 'finished':
      return {
        ...state,
        phase: 'finished',
        stepsDone: state.stepsTotal ?? state.stepsDone,
        runIds: update.runIds,
        bestRunId: update.bestRunId,
        clusterer: null,
      };
    case 'failed':
      return { ...state, phase: 'failed', error: update.error, clusterer: null };
    default:
      return state;
  }
}

export function progressText(state: TrainingState): string {
  if (state.phase === 'finished') {
    return `Finished: ${state.runIds.length} run${state.runIds.length === 1 ? '' : 's'}.`;
  }
  if (state.phase === 'failed') return `Failed: ${state.error ?? 'unknown reason'}`;
  if (state.stepsTotal === null) return 'Starting…';
  const doing = state.clusterer ? ` — ${clustererName(state.clusterer)}` : '';
  return `${state.stepsDone} of ${state.stepsTotal} candidates${doing}`;
}
