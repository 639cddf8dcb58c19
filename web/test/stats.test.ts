import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Assignment, followJob, interpretJobEvent, type Job, type Run, type StatsPlayer } from '../src/api/stats';
import PlayerTable from '../src/components/PlayerTable.vue';
import RunsTable from '../src/components/RunsTable.vue';
import {
  applyJobUpdate,
  bestRun,
  filterPlayers,
  formatMetric,
  formatParams,
  idleTraining,
  legendSelection,
  NOISE_COLOUR,
  nextSort,
  playerRows,
  progressText,
  scatterSeries,
  sortPlayers,
} from '../src/lib/stats';
import { answer, eventStream, type JobEvent, serve } from './fixtures';

const rates = (pts: number, ast: number) => ({
  fgm: 0,
  fga: 0,
  fg2m: 0,
  fg2a: 0,
  fg3m: 1,
  fg3a: 3,
  ftm: 0,
  fta: 0,
  oreb: 0,
  dreb: 0,
  reb: 5,
  ast,
  tov: 0,
  stl: 1,
  blk: 0.5,
  blka: 0,
  pf: 0,
  pfd: 0,
  pts,
});

const player = (playerId: number, playerName: string, team: string, pts: number, ast: number, eligible = true): StatsPlayer => ({
  playerId,
  playerName,
  teamAbbreviation: team,
  gpRegular: 70,
  gpPlayoffs: 5,
  minutes: 2000 + playerId,
  rates: rates(pts, ast),
  eligible,
});

const PLAYERS = [
  player(1, 'James Harden', 'HOU', 33.4, 7.3),
  player(2, 'Luka Dončić', 'DAL', 26.0, 7.8),
  player(3, 'Chris Paul', 'HOU', 18.4, 9.8),
  player(4, 'Bench Guy', 'DAL', 10.1, 2.0, false),
];
const assign = (playerId: number, label: number, x = playerId, y = -playerId): Assignment => ({
  playerId,
  playerName: PLAYERS.find((p) => p.playerId === playerId)?.playerName ?? `#${playerId}`,
  teamAbbreviation: 'HOU',
  gp: 75,
  minutes: 2000,
  x,
  y,
  label,
});

describe('player table logic', () => {
  const rows = playerRows(PLAYERS, [assign(1, 0), assign(2, -1), assign(3, 1)]);

  it('merges the cluster of the shown run into the season rows (unclustered: undefined)', () => {
    expect(rows.map((r) => [r.name, r.cluster, r.gp])).toEqual([
      ['James Harden', 0, 75],
      ['Luka Dončić', -1, 75],
      ['Chris Paul', 1, 75],
      ['Bench Guy', undefined, 75],
    ]);
  });

  it('filters by name or team, ignoring case and accents, every word must match', () => {
    expect(filterPlayers(rows, 'doncic').map((r) => r.name)).toEqual(['Luka Dončić']);
    expect(filterPlayers(rows, 'hou').map((r) => r.name)).toEqual(['James Harden', 'Chris Paul']);
    expect(filterPlayers(rows, 'hou paul').map((r) => r.name)).toEqual(['Chris Paul']);
    expect(filterPlayers(rows, '  ')).toHaveLength(4);
    expect(filterPlayers(rows, 'nobody')).toEqual([]);
  });

  it('sorts numbers and names both ways, missing clusters last, ties by name', () => {
    expect(sortPlayers(rows, 'ast', 'descending').map((r) => r.playerId)).toEqual([3, 2, 1, 4]);
    expect(sortPlayers(rows, 'pts', 'ascending').map((r) => r.playerId)).toEqual([4, 3, 2, 1]);
    expect(sortPlayers(rows, 'name', 'ascending').map((r) => r.name)).toEqual([
      'Bench Guy',
      'Chris Paul',
      'James Harden',
      'Luka Dončić',
    ]);
    expect(sortPlayers(rows, 'cluster', 'ascending').map((r) => r.cluster)).toEqual([-1, 0, 1, undefined]);
    expect(sortPlayers(rows, 'cluster', 'descending').map((r) => r.cluster)).toEqual([1, 0, -1, undefined]);
    // Same team: by name.
    expect(sortPlayers(rows, 'team', 'ascending').map((r) => r.name)).toEqual([
      'Bench Guy',
      'Luka Dončić',
      'Chris Paul',
      'James Harden',
    ]);
  });

  it('flips the direction on the same column; numbers start biggest first, names A→Z', () => {
    expect(nextSort({ key: 'pts', direction: 'descending' }, 'pts')).toEqual({ key: 'pts', direction: 'ascending' });
    expect(nextSort({ key: 'pts', direction: 'descending' }, 'ast')).toEqual({ key: 'ast', direction: 'descending' });
    expect(nextSort({ key: 'pts', direction: 'descending' }, 'name')).toEqual({ key: 'name', direction: 'ascending' });
    expect(nextSort({ key: 'pts', direction: 'descending' }, 'cluster')).toEqual({
      key: 'cluster',
      direction: 'ascending',
    });
  });
});

describe('PlayerTable', () => {
  const rows = playerRows(PLAYERS, [assign(1, 0), assign(2, -1), assign(3, 1)]);

  it('filters as one types, sorts from the header buttons and says how', async () => {
    const wrapper = mount(PlayerTable, { props: { rows, clustered: true } });
    await wrapper.get('input[type="checkbox"]').setValue(false); // everyone, not only the clustered
    const names = () => wrapper.findAll('tbody th').map((th) => th.text());
    expect(names()).toEqual(['James Harden', 'Luka Dončić', 'Chris Paul', 'Bench Guy']); // PTS, biggest first
    const pts = wrapper.findAll('thead th').find((th) => th.text().startsWith('PTS'));
    expect(pts?.attributes('aria-sort')).toBe('descending');

    const ast = wrapper.findAll('thead th button').find((b) => b.text().startsWith('AST'));
    await ast?.trigger('click');
    expect(names()).toEqual(['Chris Paul', 'Luka Dončić', 'James Harden', 'Bench Guy']);
    await ast?.trigger('click');
    expect(names()).toEqual(['Bench Guy', 'James Harden', 'Luka Dončić', 'Chris Paul']);
    expect(wrapper.findAll('thead th').find((th) => th.text().startsWith('AST'))?.attributes('aria-sort')).toBe(
      'ascending',
    );
    expect(pts?.attributes('aria-sort')).toBeUndefined();

    const input = wrapper.get('input[type="search"]');
    expect(wrapper.get(`label[for="${input.attributes('id')}"]`).text()).toBe('Filter by name or team');
    await input.setValue('hou');
    expect(names()).toEqual(['James Harden', 'Chris Paul']);
    expect(wrapper.get('[data-testid="player-count"]').text()).toContain('2 of 4 players');
    expect(wrapper.text()).toContain('Cluster 1'); // label 0 shown as 1
    await input.setValue('zzz');
    expect(wrapper.find('table').exists()).toBe(false);
    expect(wrapper.text()).toContain('No player matches “zzz”');
  });

  it('starts with the clustered players only, and has no cluster column without a run', async () => {
    const wrapper = mount(PlayerTable, { props: { rows, clustered: false } });
    expect(wrapper.findAll('thead th').map((th) => th.text())).not.toContain('Cluster');
    expect(wrapper.findAll('tbody tr')).toHaveLength(3);
    await wrapper.get('input[type="checkbox"]').setValue(false);
    expect(wrapper.findAll('tbody tr')).toHaveLength(4);
  });
});

describe('scatter series', () => {
  it('builds one series per cluster in label order with noise last and grey', () => {
    const series = scatterSeries([assign(1, 1), assign(2, -1), assign(3, 0), assign(4, 1), assign(5, -1)]);
    expect(series.map((s) => [s.label, s.name, s.size])).toEqual([
      [0, 'Cluster 1', 1],
      [1, 'Cluster 2', 2],
      [-1, 'Noise', 2],
    ]);
    expect(series[2]?.colour).toBe(NOISE_COLOUR);
    expect(new Set(series.map((s) => s.colour)).size).toBe(3);
    // Each point carries what the tooltip shows.
    expect(series[1]?.points[0]).toEqual([1, -1, 'James Harden', 'HOU', 75, 2000]);
  });

  it('leaves out points without a finite position and is empty for no players', () => {
    expect(scatterSeries([assign(1, 0, Number.NaN)])).toEqual([]);
    expect(scatterSeries([])).toEqual([]);
  });

  it("turns hidden clusters into ECharts' legend selection", () => {
    const series = scatterSeries([assign(1, 0), assign(2, 1), assign(3, -1)]);
    expect(legendSelection(series, new Set([1, -1]))).toEqual({
      'Cluster 1': true,
      'Cluster 2': false,
      Noise: false,
    });
  });
});

const JOB_ID = '4b1d7f1e-2a3c-4d5e-8f90-123456789abc';

const run = (id: number, over: Partial<Run> = {}): Run => ({
  id,
  experimentId: 1,
  experimentName: 'nba-player-clusters-2018-19',
  jobId: JOB_ID,
  clusterer: 'kmeans',
  params: { k: 3, nInit: 10 },
  status: 'finished',
  error: null,
  seed: 0,
  snapshotIds: [1, 2],
  stage: 'none',
  rankingScore: 0.3,
  eligibleForBest: true,
  warnings: [],
  mlflowRunId: null,
  metrics: { silhouette: 0.3, calinskiHarabasz: 210.456, daviesBouldin: 1.1234, clusters: 3, noiseShare: 0 },
  createdAt: '2026-11-23T10:00:00Z',
  startedAt: '2026-11-23T10:00:00Z',
  finishedAt: '2026-11-23T10:00:01Z',
  promotedAt: null,
  ...over,
});

describe('runs', () => {
  const runs = [
    run(1, { rankingScore: 0.5, eligibleForBest: false }),
    run(2, { rankingScore: 0.31, clusterer: 'agglomerative', params: { k: 3, linkage: 'ward' } }),
    run(3, { rankingScore: 0.2, stage: 'production' }),
    run(4, { rankingScore: null, status: 'failed', error: 'boom' }),
  ];

  it('calls the best run the highest score among eligible finished ones', () => {
    expect(bestRun(runs)?.id).toBe(2);
    expect(bestRun([run(1, { eligibleForBest: false })])).toBeUndefined();
  });

  it('formats scores, noise share and parameters', () => {
    expect(formatMetric(0.31234, 'silhouette')).toBe('0.312');
    expect(formatMetric(210.456, 'calinskiHarabasz')).toBe('210.5');
    expect(formatMetric(0.125, 'noiseShare')).toBe('12.5 %');
    expect(formatMetric(null, 'daviesBouldin')).toBe('—');
    expect(formatParams({ eps: 1.234567, minSamples: 8 })).toBe('eps=1.23, minSamples=8');
    expect(formatParams({ k: 4, covariance: 'diag', nInit: undefined })).toBe('k=4, covariance=diag');
  });

  it('shows badges, and promote/preview buttons only where they apply', async () => {
    const wrapper = mount(RunsTable, {
      props: { runs, canPromote: true, promoting: undefined, previewing: undefined },
    });
    const row = (id: number) => wrapper.get(`tr[data-run="${id}"]`);
    expect(row(2).text()).toContain('Best');
    expect(row(2).text()).toContain('Agglomerative');
    expect(row(2).text()).toContain('k=3, linkage=ward');
    expect(row(3).text()).toContain('Production');
    expect(row(3).find('button').exists()).toBe(false);
    expect(row(4).text()).toContain('Failed');
    expect(row(4).find('button').exists()).toBe(false);
    expect(row(1).text()).toContain('not ranked');
    await row(2).get('button[aria-label="Promote run 2"]').trigger('click');
    await row(1).get('button[aria-label="Preview run 1"]').trigger('click');
    expect(wrapper.emitted('promote')).toEqual([[2]]);
    expect(wrapper.emitted('preview')).toEqual([[1]]);

    const viewer = mount(RunsTable, { props: { runs, canPromote: false, promoting: undefined, previewing: undefined } });
    expect(viewer.findAll('button').map((b) => b.text())).not.toContain('Promote');
  });
});

describe('training progress', () => {
  it('reads the job events of the stats service: progress, then done or error', () => {
    expect(
      interpretJobEvent({
        id: '3',
        event: 'progress',
        data: { jobId: JOB_ID, status: 'running', stepsDone: 3, stepsTotal: 13, clusterer: 'dbscan' },
      }),
    ).toEqual({ kind: 'progress', stepsDone: 3, stepsTotal: 13, clusterer: 'dbscan' });
    expect(
      interpretJobEvent({
        id: '0',
        event: 'progress',
        data: { jobId: JOB_ID, status: 'queued', stepsDone: 0, stepsTotal: null, clusterer: null },
      }),
    ).toEqual({ kind: 'progress', stepsDone: 0, stepsTotal: null, clusterer: null });
    expect(
      interpretJobEvent({ event: 'done', data: { jobId: JOB_ID, status: 'finished', runIds: [5, 6], bestRunId: 6 } }),
    ).toEqual({ kind: 'finished', runIds: [5, 6], bestRunId: 6 });
    expect(
      interpretJobEvent({
        event: 'error',
        data: {
          type: 'about:blank',
          title: 'Unprocessable Entity',
          status: 422,
          detail: 'only 0 eligible players',
          jobId: JOB_ID,
          jobStatus: 'failed',
        },
      }),
    ).toEqual({ kind: 'failed', error: 'only 0 eligible players' });
    // Without jobStatus the stream failed, not the job.
    expect(
      interpretJobEvent({
        event: 'error',
        data: { type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'the stream broke' },
      }),
    ).toEqual({ kind: 'stream-failed' });
  });

  it('moves the bar forward only, and ends finished or failed', () => {
    let state = idleTraining();
    state = applyJobUpdate(state, { kind: 'progress', stepsDone: 0, stepsTotal: null, clusterer: null });
    expect(progressText(state)).toBe('Starting…');
    state = applyJobUpdate(state, { kind: 'progress', stepsDone: 4, stepsTotal: 13, clusterer: 'agglomerative' });
    expect(progressText(state)).toBe('4 of 13 candidates — Agglomerative');
    // A late, older event (the stream's first answer) does not move it back.
    state = applyJobUpdate(state, { kind: 'progress', stepsDone: 2, stepsTotal: 13, clusterer: null });
    expect(state.stepsDone).toBe(4);
    const finished = applyJobUpdate(state, { kind: 'finished', runIds: [1, 2, 3], bestRunId: 2 });
    expect(finished).toMatchObject({ phase: 'finished', stepsDone: 13, bestRunId: 2 });
    expect(progressText(finished)).toBe('Finished: 3 runs.');
    // Nothing after the end changes it.
    expect(applyJobUpdate(finished, { kind: 'progress', stepsDone: 5, stepsTotal: 13, clusterer: null })).toBe(finished);
    const failed = applyJobUpdate(state, { kind: 'failed', error: 'interrupted' });
    expect(progressText(failed)).toBe('Failed: interrupted');
  });
});

describe('followJob', () => {
  afterEach(() => vi.unstubAllGlobals());

  const job = (over: Partial<Job>): Job => ({
    id: JOB_ID,
    kind: 'train',
    status: 'running',
    season: '2018-19',
    snapshotIds: [1, 2],
    clusterers: ['kmeans', 'dbscan'],
    seed: 0,
    experiment: 'nba-player-clusters-2018-19',
    stepsDone: 1,
    stepsTotal: 2,
    currentClusterer: 'dbscan',
    error: null,
    bestRunId: null,
    createdAt: '2026-11-23T10:00:00Z',
    startedAt: '2026-11-23T10:00:00Z',
    finishedAt: null,
    durationMs: null,
    runIds: [],
    ...over,
  });

  it('follows the server-sent events to done', async () => {
    const calls = serve(
      eventStream<JobEvent>(
        [
          { id: '0', event: 'progress', data: { jobId: JOB_ID, status: 'queued', stepsDone: 0, stepsTotal: null, clusterer: null } },
          { id: '1', event: 'progress', data: { jobId: JOB_ID, status: 'running', stepsDone: 1, stepsTotal: 2, clusterer: 'kmeans' } },
          { event: 'done', data: { jobId: JOB_ID, status: 'finished', runIds: [7, 8], bestRunId: 8 } },
        ],
        5,
      ),
    );
    const updates: string[] = [];
    const outcome = await followJob(JOB_ID, (u) => updates.push(u.kind));
    expect(outcome).toEqual({ kind: 'finished', runIds: [7, 8], bestRunId: 8 });
    expect(updates).toEqual(['progress', 'progress', 'finished']);
    expect(calls[0]?.url.pathname).toBe(`/api/stats/jobs/${JOB_ID}/events`);
    expect(calls[0]?.headers.get('accept')).toBe('text/event-stream');
  });

  it('polls the job when the stream is refused or cut', async () => {
    serve(
      new Response('', { status: 502 }),
      answer('/api/stats/jobs/{id}', 'get', 200, job({})),
      answer('/api/stats/jobs/{id}', 'get', 200, job({ status: 'failed', currentClusterer: null, error: 'interrupted' })),
    );
    const updates: unknown[] = [];
    const outcome = await followJob(JOB_ID, (u) => updates.push(u), undefined, 1);
    await flushPromises();
    expect(outcome).toEqual({ kind: 'failed', error: 'interrupted' });
    expect(updates[0]).toEqual({ kind: 'progress', stepsDone: 1, stepsTotal: 2, clusterer: 'dbscan' });
  });

  it('polls when an error event says the stream failed, not the job', async () => {
    serve(
      eventStream<JobEvent>([
        { event: 'error', data: { type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'stream lost' } },
      ]),
      answer('/api/stats/jobs/{id}', 'get', 200, job({ status: 'finished', stepsDone: 2, runIds: [7, 8], bestRunId: 7 })),
    );
    await expect(followJob(JOB_ID, () => undefined, undefined, 1)).resolves.toEqual({
      kind: 'finished',
      runIds: [7, 8],
      bestRunId: 7,
    });
  });
});
