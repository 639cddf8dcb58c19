import { api, errorFrom, send } from './client';
import { ApiError } from './problem';
import { readEvents } from './sse';

/** The stats service (issue 8), behind the gateway at `/api/stats/...`. */

export type SeasonType = 'Regular Season' | 'Playoffs';

/** A list answer of the stats service. */
export interface StatsList<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface Snapshot {
  id: number;
  season: string;
  seasonType: SeasonType | (string & {});
  perMode: string;
  fetchedAt: string;
  source: 'fetched' | 'imported' | (string & {});
  playerCount: number;
  origin: string | null;
  createdAt: string;
}

export type RateStat =
  | 'fgm'
  | 'fga'
  | 'fg2m'
  | 'fg2a'
  | 'fg3m'
  | 'fg3a'
  | 'ftm'
  | 'fta'
  | 'oreb'
  | 'dreb'
  | 'reb'
  | 'ast'
  | 'tov'
  | 'stl'
  | 'blk'
  | 'blka'
  | 'pf'
  | 'pfd'
  | 'pts';

/** `GET /stats/players`: regular season and playoffs merged, Per36 rates. */
export interface StatsPlayer {
  playerId: number;
  playerName: string;
  teamAbbreviation: string;
  gpRegular: number;
  gpPlayoffs: number;
  minutes: number;
  rates: Record<RateStat, number>;
  eligible: boolean;
}

export interface PlayersAnswer extends StatsList<StatsPlayer> {
  season: string;
  snapshotIds: number[];
  eligibility: { minMinutes: number; minGames: number };
  playoffWeight: number;
}

/** One clustered player of a run: label −1 is DBSCAN noise; x/y is the 2-D PCA projection. */
export interface Assignment {
  playerId: number;
  playerName: string;
  teamAbbreviation: string;
  gp: number;
  minutes: number;
  x: number;
  y: number;
  label: number;
}

export type RunStatus = 'queued' | 'running' | 'finished' | 'failed';
export type Stage = 'none' | 'production' | 'archived';

export interface Run {
  id: number;
  experimentName: string;
  jobId: string | null;
  clusterer: string;
  params: Record<string, number | string>;
  status: RunStatus;
  error: string | null;
  seed: number;
  snapshotIds: number[];
  stage: Stage;
  rankingScore: number | null;
  eligibleForBest: boolean;
  warnings: string[];
  /** silhouette, calinskiHarabasz, daviesBouldin, clusters, noiseShare, smallestClusterShare, … */
  metrics: Record<string, number | null>;
  createdAt: string;
  finishedAt: string | null;
  promotedAt: string | null;
}

export interface RunWithPlayers extends Run {
  players: Assignment[] | null;
}

export interface ClustersAnswer {
  run: Run;
  season: string | null;
  clusters: { label: number; size: number }[];
  players: Assignment[];
}

export interface Job {
  id: string;
  status: RunStatus;
  season: string | null;
  stepsDone: number;
  stepsTotal: number | null;
  currentClusterer: string | null;
  error: string | null;
  bestRunId: number | null;
  runIds?: number[];
}

export const listSnapshots = () =>
  api.get<StatsList<Snapshot>>('/stats/snapshots', { query: { limit: 200 } });

/** Stores a saved stats.nba.com response (the parsed JSON of the file) as a snapshot. */
export const importSnapshot = (body: unknown, origin?: string) =>
  api.post<Snapshot>('/stats/snapshots/import', body, { query: { origin } });

/** Asks the service to fetch a season from stats.nba.com (needs internet on the server). */
export const fetchSnapshot = (season: string, seasonType: SeasonType) =>
  api.post<Snapshot>('/stats/snapshots', { season, seasonType });

export const getPlayers = (season: string) =>
  api.get<PlayersAnswer>('/stats/players', { query: { season } });

/** The production run, or undefined when nothing has been promoted yet (the service's 404). */
export async function getClusters(): Promise<ClustersAnswer | undefined> {
  try {
    return await api.get<ClustersAnswer>('/stats/clusters');
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

export const listRuns = (season: string | undefined) =>
  api.get<StatsList<Run>>('/stats/runs', { query: { season, sort: 'score', limit: 200 } });

export const getRun = (id: number) => api.get<RunWithPlayers>(`/stats/runs/${id}`);

export const promoteRun = (id: number) =>
  api.post<{ run: Run; archivedRunIds: number[] }>(`/stats/runs/${id}/promote`);

/**
 * A small search space for a quick training (13 candidates instead of 56): the cluster counts
 * that make sense for player roles, each clusterer represented.
 */
export const QUICK_SEARCH = {
  kmeans: { k: [3, 4, 5, 6] },
  agglomerative: { k: [3, 4, 5, 6], linkage: ['ward'] },
  dbscan: { minSamples: [8], epsQuantiles: [0.8, 0.9] },
  gaussianMixture: { k: [3, 4, 5], covariance: ['diag'] },
};

export const train = (season: string, quick: boolean) =>
  api.post<Job & { jobId: string }>('/stats/runs', { season, ...(quick ? { search: QUICK_SEARCH } : {}) });

export const getJob = (id: string) => api.get<Job>(`/stats/jobs/${id}`);

/** What one event of `GET /stats/jobs/{id}/events` means for the progress bar. */
export type JobUpdate =
  | { kind: 'progress'; stepsDone: number; stepsTotal: number | null; clusterer: string | null }
  | { kind: 'finished'; runIds: number[]; bestRunId: number | null }
  | { kind: 'failed'; error: string }
  | { kind: 'ignored' };

const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

export function interpretJobEvent(event: { event: string; data: string }): JobUpdate {
  let data: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(event.data);
    if (typeof parsed !== 'object' || parsed === null) return { kind: 'ignored' };
    data = parsed as Record<string, unknown>;
  } catch {
    return { kind: 'ignored' };
  }
  if (event.event === 'progress') {
    // A job that already ended answers its last progress, then the final event.
    const stepsDone = num(data.stepsDone);
    if (stepsDone === undefined) return { kind: 'ignored' };
    const clusterer = typeof data.clusterer === 'string' ? data.clusterer : null;
    return { kind: 'progress', stepsDone, stepsTotal: num(data.stepsTotal) ?? null, clusterer };
  }
  if (event.event === 'finished') {
    const runIds = Array.isArray(data.runIds) ? data.runIds.filter((id) => typeof id === 'number') : [];
    return { kind: 'finished', runIds, bestRunId: num(data.bestRunId) ?? null };
  }
  if (event.event === 'failed') {
    return { kind: 'failed', error: typeof data.error === 'string' ? data.error : 'the job failed' };
  }
  return { kind: 'ignored' };
}

/** The job as a final update, when it has ended. */
export function jobOutcome(job: Job): JobUpdate | undefined {
  if (job.status === 'finished') return { kind: 'finished', runIds: job.runIds ?? [], bestRunId: job.bestRunId };
  if (job.status === 'failed') return { kind: 'failed', error: job.error ?? 'the job failed' };
  return undefined;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new DOMException('aborted', 'AbortError'));
    });
  });

/**
 * Follows a training job to its end: server-sent events (read with fetch, so the session
 * refresh of the API client applies), and polling `GET /stats/jobs/{id}` when the stream is
 * not available or ends early. Resolves with the final update (finished or failed).
 */
export async function followJob(
  jobId: string,
  onUpdate: (update: JobUpdate) => void,
  signal?: AbortSignal,
  pollMs = 1000,
): Promise<JobUpdate> {
  try {
    const response = await send('GET', `/stats/jobs/${jobId}/events`, {
      headers: { Accept: 'text/event-stream' },
      ...(signal ? { signal } : {}),
    });
    if (!response.ok) throw await errorFrom(response);
    if (response.body && (response.headers.get('content-type') ?? '').includes('text/event-stream')) {
      for await (const event of readEvents(response.body)) {
        const update = interpretJobEvent(event);
        if (update.kind === 'ignored') continue;
        onUpdate(update);
        if (update.kind !== 'progress') return update;
      }
    }
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    // The stream failed (a proxy refused it, the connection dropped): poll instead.
  }
  for (;;) {
    const job = await getJob(jobId);
    const outcome = jobOutcome(job);
    if (outcome) {
      onUpdate(outcome);
      return outcome;
    }
    onUpdate({
      kind: 'progress',
      stepsDone: job.stepsDone,
      stepsTotal: job.stepsTotal,
      clusterer: job.currentClusterer,
    });
    await sleep(pollMs, signal);
  }
}
