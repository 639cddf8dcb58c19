import {
  allPages,
  client,
  data,
  errorOf,
  type Operation,
  type RequestBody,
  type ResponseBody,
} from './client';
import { ApiError } from './problem';
import { readDeclaredEvents } from './sse';

/** The stats service (issue 8), behind the gateway at `/api/stats/...`: every type from the document. */

export type Snapshot = ResponseBody<Operation<'/api/stats/snapshots/{id}', 'get'>, 200>;
export type SeasonType = Snapshot['seasonType'];
export type PlayersPage = ResponseBody<Operation<'/api/stats/players', 'get'>, 200>;
/** `GET /stats/players`: regular season and playoffs merged, Per36 rates. */
export type StatsPlayer = PlayersPage['items'][number];
export type RateStat = keyof StatsPlayer['rates'];
export type RunWithPlayers = ResponseBody<Operation<'/api/stats/runs/{id}', 'get'>, 200>;
export type Run = ResponseBody<Operation<'/api/stats/runs', 'get'>, 200>['items'][number];
export type RunStatus = Run['status'];
export type Clusterer = Run['clusterer'];
export type ClustersAnswer = ResponseBody<Operation<'/api/stats/clusters', 'get'>, 200>;
/** One clustered player of a run: label −1 is DBSCAN noise; x/y is the 2-D PCA projection. */
export type Assignment = ClustersAnswer['players'][number];
export type Job = ResponseBody<Operation<'/api/stats/jobs/{id}', 'get'>, 200>;
export type TrainingRequest = RequestBody<Operation<'/api/stats/runs', 'post'>>;
/** The events of `GET /stats/jobs/{id}/events`: `progress`, then `done` or `error`. */
export type JobEvent = ResponseBody<Operation<'/api/stats/jobs/{id}/events', 'get'>, 200>;

/** A season's players with what the page needs beside them (the first page's members). */
export interface SeasonPlayers extends Omit<PlayersPage, 'items' | 'nextCursor'> {
  items: StatsPlayer[];
  complete: boolean;
}

/** Every stored snapshot (the page picks the seasons from them). */
export const listSnapshots = () =>
  allPages((cursor) => data(client.GET('/api/stats/snapshots', { params: { query: { limit: 200, cursor } } })));

/** Stores a saved stats.nba.com response (the parsed JSON of the file) as a snapshot. */
export const importSnapshot = (body: Record<string, unknown>, origin?: string) =>
  data(client.POST('/api/stats/snapshots/import', { params: { query: { origin } }, body }));

/** Asks the service to fetch a season from stats.nba.com (needs internet on the server). */
export const fetchSnapshot = (season: string, seasonType: SeasonType) =>
  data(client.POST('/api/stats/snapshots', { body: { season, seasonType } }));

export const SNAPSHOT_FIELDS = { season: 'body.season', seasonType: 'body.seasonType' } as const;

/** Every player of the season: the table sorts and filters all of them, so all pages are read. */
export async function getPlayers(season: string): Promise<SeasonPlayers> {
  let first: PlayersPage | undefined;
  const { items, complete } = await allPages(async (cursor) => {
    const page = await data(client.GET('/api/stats/players', { params: { query: { season, limit: 1000, cursor } } }));
    first ??= page;
    return page;
  });
  if (!first) throw new Error('no page of players was read');
  const { items: _items, nextCursor: _next, ...rest } = first;
  return { ...rest, items, complete };
}

/** The production run, or undefined when nothing has been promoted yet (the service's 404). */
export async function getClusters(): Promise<ClustersAnswer | undefined> {
  const { data: body, error, response } = await client.GET('/api/stats/clusters');
  if (response.status === 404) return undefined;
  if (!body) throw errorOf(response, error);
  return body;
}

/** Every run of the season, best score first: the table ranks them all, so all pages are read. */
export const listRuns = (season: string) =>
  allPages((cursor) =>
    data(client.GET('/api/stats/runs', { params: { query: { season, sort: 'score', limit: 200, cursor } } })),
  );

export const getRun = (id: number) => data(client.GET('/api/stats/runs/{id}', { params: { path: { id } } }));

export const promoteRun = (id: number) =>
  data(client.POST('/api/stats/runs/{id}/promote', { params: { path: { id } } }));

/**
 * A small search space for a quick training (13 candidates instead of 56): the cluster counts
 * that make sense for player roles, each clusterer represented.
 */
export const QUICK_SEARCH: NonNullable<TrainingRequest['search']> = {
  kmeans: { k: [3, 4, 5, 6] },
  agglomerative: { k: [3, 4, 5, 6], linkage: ['ward'] },
  dbscan: { minSamples: [8], epsQuantiles: [0.8, 0.9] },
  gaussianMixture: { k: [3, 4, 5], covariance: ['diag'] },
};

export const train = (season: string, quick: boolean) =>
  data(client.POST('/api/stats/runs', { body: { season, ...(quick ? { search: QUICK_SEARCH } : {}) } }));

export const getJob = (id: string) => data(client.GET('/api/stats/jobs/{id}', { params: { path: { id } } }));

/** What one job event means for the progress bar. */
export type JobUpdate =
  | { kind: 'progress'; stepsDone: number; stepsTotal: number | null; clusterer: Clusterer | null }
  | { kind: 'finished'; runIds: number[]; bestRunId: number | null }
  | { kind: 'failed'; error: string }
  /** The stream failed, not the job (it may still run): follow it by polling. */
  | { kind: 'stream-failed' };

export function interpretJobEvent(event: JobEvent): JobUpdate {
  switch (event.event) {
    case 'progress':
      return {
        kind: 'progress',
        stepsDone: event.data.stepsDone,
        stepsTotal: event.data.stepsTotal,
        clusterer: event.data.clusterer,
      };
    case 'done':
      return { kind: 'finished', runIds: event.data.runIds, bestRunId: event.data.bestRunId };
    case 'error':
      return event.data.jobStatus === 'failed' ? { kind: 'failed', error: event.data.detail } : { kind: 'stream-failed' };
  }
}

/** The job as a final update, when it has ended. */
export function jobOutcome(job: Job): JobUpdate | undefined {
  if (job.status === 'finished') return { kind: 'finished', runIds: job.runIds, bestRunId: job.bestRunId };
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
 * refresh of the API client applies), and polling `GET /stats/jobs/{id}` when the stream is not
 * available or ends without `done` or `error` (the document says: it was cut). Resolves with the
 * final update (finished or failed).
 */
export async function followJob(
  jobId: string,
  onUpdate: (update: JobUpdate) => void,
  signal?: AbortSignal,
  pollMs = 1000,
): Promise<JobUpdate> {
  try {
    const { data: body, error, response } = await client.GET('/api/stats/jobs/{id}/events', {
      params: { path: { id: jobId } },
      headers: { Accept: 'text/event-stream' },
      parseAs: 'stream',
      ...(signal ? { signal } : {}),
    });
    if (!response.ok) throw errorOf(response, error);
    if (body && (response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      for await (const event of readDeclaredEvents<JobEvent>(body)) {
        const update = interpretJobEvent(event);
        if (update.kind === 'stream-failed') break;
        onUpdate(update);
        if (update.kind !== 'progress') return update;
      }
    }
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    if (error instanceof ApiError && error.status === 404) throw error;
    // The stream failed (a proxy refused it, the connection dropped): poll instead.
  }
  for (;;) {
    const job = await getJob(jobId);
    const outcome = jobOutcome(job);
    if (outcome) {
      onUpdate(outcome);
      return outcome;
    }
    onUpdate({ kind: 'progress', stepsDone: job.stepsDone, stepsTotal: job.stepsTotal, clusterer: job.currentClusterer });
    await sleep(pollMs, signal);
  }
}
