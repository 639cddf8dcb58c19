import type { Assignment, Clusterer, JobUpdate, Run, StatsPlayer } from '../api/stats';

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

/** One series per cluster, in label order, noise (−1) last so it is drawn under nothing. */
export function scatterSeries(players: readonly Assignment[]): ClusterSeries[] {
  const byLabel = new Map<number, ScatterPoint[]>();
  for (const p of players) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
    const points = byLabel.get(p.label) ?? [];
    points.push([p.x, p.y, p.playerName, p.teamAbbreviation, p.gp, p.minutes]);
    byLabel.set(p.label, points);
  }
  return [...byLabel.entries()]
    .sort(([a], [b]) => (a === NOISE ? 1 : b === NOISE ? -1 : a - b))
    .map(([label, points]) => ({
      label,
      name: clusterName(label),
      colour: clusterColour(label),
      size: points.length,
      points,
    }));
}

/** ECharts' legend selection: series name → shown. */
export function legendSelection(series: readonly ClusterSeries[], hidden: ReadonlySet<number>): Record<string, boolean> {
  return Object.fromEntries(series.map((s) => [s.name, !hidden.has(s.label)]));
}

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
