import { parseEventStream, testDatabaseKinds } from '@flotilla/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  jobEvents,
  nbaBody,
  PLAYOFFS_2018,
  REGULAR_2018,
  SMALL_SEARCH,
  type Stats,
  startStats,
} from './helpers/service.js';

describe.each(testDatabaseKinds())('stats service on %s', (kind) => {
  let stats: Stats;
  let regularId: number;
  let playoffsId: number;

  beforeAll(async () => {
    stats = await startStats(kind);
  });
  afterAll(async () => {
    await stats?.close();
  });

  const get = (url: string) => stats.request('GET', url, { as: 'viewer' });
  const post = (url: string, body?: unknown) =>
    stats.request('POST', url, { as: 'operator', ...(body === undefined ? {} : { body }) });
  const countSnapshots = async () => (await get('/stats/snapshots?limit=200')).body.items.length as number;

  describe('snapshots', () => {
    it('imports saved responses, reading season and type from their parameters', async () => {
      const regular = await post('/stats/snapshots/import', nbaBody(REGULAR_2018));
      expect(regular.status).toBe(201);
      expect(regular.body).toMatchObject({
        season: '2018-19',
        seasonType: 'Regular Season',
        perMode: 'Per36',
        source: 'imported',
        playerCount: 530,
        origin: null,
      });
      // Every declared field is sent (undeclared ones would be dropped by the serializer).
      expect(Object.keys(regular.body).sort()).toEqual(
        ['columns', 'createdAt', 'fetchedAt', 'id', 'origin', 'perMode', 'playerCount', 'season', 'seasonType', 'source'],
      );
      expect(regular.body.columns).toContain('PLAYER_ID');
      expect(regular.body.fetchedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      regularId = regular.body.id;
      expect(regular.headers.location).toBe(`/stats/snapshots/${regularId}`);
      const playoffs = await post('/stats/snapshots/import?origin=shared-data', nbaBody(PLAYOFFS_2018));
      expect(playoffs.status).toBe(201);
      expect(playoffs.body).toMatchObject({ seasonType: 'Playoffs', playerCount: 212, origin: 'shared-data' });
      playoffsId = playoffs.body.id;

      // One per page, newest first, then the end.
      const first = await get('/stats/snapshots?season=2018-19&limit=1');
      expect(first.status).toBe(200);
      expect(Object.keys(first.body).sort()).toEqual(['items', 'nextCursor']);
      expect(first.body.items.map((s: { id: number }) => s.id)).toEqual([playoffsId]);
      expect(first.body.items[0]).not.toHaveProperty('rawResponse');
      const second = await get(`/stats/snapshots?season=2018-19&limit=1&cursor=${first.body.nextCursor}`);
      expect(second.body.items.map((s: { id: number }) => s.id)).toEqual([regularId]);
      // The last page says so: no cursor to an empty page.
      expect(second.body.nextCursor).toBeNull();
      expect((await get('/stats/snapshots?season=2018-19')).body.nextCursor).toBeNull();

      const one = await get(`/stats/snapshots/${regularId}`);
      expect(one.body).toEqual(regular.body);
    });

    it('refuses bad imports with a 400 naming the field, storing nothing', async () => {
      const before = await countSnapshots();
      const contradicting = await post('/stats/snapshots/import?season=2017-18', nbaBody(REGULAR_2018));
      expect(contradicting.status).toBe(400);
      expect(contradicting.headers['content-type']).toContain('application/problem+json');
      expect(contradicting.body.errors[0].field).toBe('query.season');

      const garbage = await post('/stats/snapshots/import', { hello: 'world' });
      expect(garbage.status).toBe(400);
      expect(garbage.body.errors[0].field).toBe('body');
      expect(garbage.body.detail).toMatch(/no resultSets/);

      const { parameters: _dropped, ...withoutParameters } = nbaBody(PLAYOFFS_2018);
      const unnamed = await post('/stats/snapshots/import', withoutParameters);
      expect(unnamed.status).toBe(400);
      expect(unnamed.body.errors[0].field).toBe('query.season');

      const badQuery = await post('/stats/snapshots/import?seasonType=Preseason', nbaBody(PLAYOFFS_2018));
      expect(badQuery.status).toBe(400);
      expect(badQuery.body.errors[0].field).toBe('query.seasonType');

      const unknown = await post('/stats/snapshots/import?sason=2018-19', nbaBody(PLAYOFFS_2018));
      expect(unknown.status).toBe(400);
      expect(unknown.body.errors).toEqual([{ field: 'query.sason', message: 'is not a known field' }]);
      expect(await countSnapshots()).toBe(before);
    });

    it('answers 404 problems for unknown snapshots and 400 for malformed ids', async () => {
      expect((await get('/stats/snapshots/999999')).status).toBe(404);
      const bad = await get('/stats/snapshots/abc');
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].field).toBe('path.id');
      // A route without query parameters refuses any, naming it.
      const query = await get(`/stats/snapshots/${regularId}?fields=all`);
      expect(query.status).toBe(400);
      expect(query.body.errors).toEqual([{ field: 'query.fields', message: 'is not a known field' }]);
    });
  });

  describe('access', () => {
    it('refuses anonymous callers and viewers who try to write', async () => {
      expect((await stats.request('GET', '/stats/runs', { as: 'anonymous' })).status).toBe(401);
      const viewerTrains = await stats.request('POST', '/stats/runs', { as: 'viewer', body: { season: '2018-19' } });
      expect(viewerTrains.status).toBe(403);
      expect((await stats.request('GET', '/healthz', { as: 'anonymous' })).status).toBe(200);
    });

    it('declares access on every route: reads viewer, writes operator', async () => {
      const declared = stats.app.declaredRoutes
        .filter((route) => route.url.startsWith('/stats/'))
        .flatMap((route) => route.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${route.url} ${route.access}`));
      expect(declared.sort()).toEqual(
        [
          'GET /stats/snapshots viewer',
          'GET /stats/snapshots/:id viewer',
          'POST /stats/snapshots operator',
          'POST /stats/snapshots/import operator',
          'POST /stats/runs operator',
          'GET /stats/runs viewer',
          'GET /stats/runs/:id viewer',
          'POST /stats/runs/:id/promote operator',
          'GET /stats/jobs viewer',
          'GET /stats/jobs/:id viewer',
          'GET /stats/jobs/:id/events viewer',
          'GET /stats/players viewer',
          'GET /stats/clusters viewer',
        ].sort(),
      );
    });
  });

  describe('players', () => {
    it('merges regular season and playoffs of a season and marks eligibility', async () => {
      const response = await get('/stats/players?season=2018-19&eligible=true');
      expect(response.status).toBe(200);
      const body = response.body;
      expect(body.items).toHaveLength(365);
      expect(body.nextCursor).toBeNull();
      expect(body).toMatchObject({
        season: '2018-19',
        snapshotIds: [regularId, playoffsId],
        eligibility: { minMinutes: 800, minGames: 40 },
        playoffWeight: 2,
      });
      const gordon = body.items.find((p: { playerName: string }) => p.playerName === 'Aaron Gordon');
      expect(gordon).toMatchObject({
        playerId: 203932,
        teamAbbreviation: 'ORL',
        eligible: true,
        gpRegular: 78,
        gpPlayoffs: 5,
      });
      expect(Object.keys(gordon.rates)).toHaveLength(19);
      expect(typeof gordon.rates.fg2m).toBe('number');

      // Pages of 10 by player id, each after the last; together, every player once.
      const first = (await get('/stats/players?season=2018-19&limit=10')).body;
      expect(first.items).toHaveLength(10);
      const second = (await get(`/stats/players?season=2018-19&limit=10&cursor=${first.nextCursor}`)).body;
      const ids = [...first.items, ...second.items].map((p: { playerId: number }) => p.playerId);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(20);
      const all = (await get('/stats/players?season=2018-19')).body;
      expect(all.items.length).toBeGreaterThan(365);
      expect(all.items.slice(0, 20).map((p: { playerId: number }) => p.playerId)).toEqual(ids);
    });

    it('names a missing or malformed season and 404s an unknown one', async () => {
      const missing = await get('/stats/players');
      expect(missing.status).toBe(400);
      expect(missing.body.errors[0].field).toBe('query.season');
      const malformed = await get('/stats/players?season=2018');
      expect(malformed.status).toBe(400);
      expect((await get('/stats/players?season=1990-91')).status).toBe(404);
    });
  });

  describe('training, tracking and promotion', () => {
    let jobId: string;
    let runIds: number[];
    let bestRunId: number;

    it('answers 404 for clusters while nothing is promoted', async () => {
      const response = await get('/stats/clusters');
      expect(response.status).toBe(404);
      expect(response.body.detail).toMatch(/promoted/);
    });

    it('validates the training request', async () => {
      const both = await post('/stats/runs', { season: '2018-19', snapshotIds: [regularId] });
      expect(both.status).toBe(400);
      expect(both.body.errors[0].field).toBe('body.season');
      const clusterer = await post('/stats/runs', { season: '2018-19', clusterers: ['spectral'] });
      expect(clusterer.status).toBe(400);
      expect(clusterer.body.detail).toMatch(/body\.clusterers/);
      const noData = await post('/stats/runs', { season: '1990-91' });
      expect(noData.status).toBe(400);
      expect(noData.body.errors[0].field).toBe('body.season');
      const twoRegular = await post('/stats/runs', { snapshotIds: [playoffsId] });
      expect(twoRegular.status).toBe(400);
      expect(twoRegular.body.errors[0].field).toBe('body.snapshotIds');
      // A misspelt option is refused, not ignored.
      const typo = await post('/stats/runs', { season: '2018-19', search: { kmeans: { kk: [3] } } });
      expect(typo.status).toBe(400);
      expect(typo.body.errors).toEqual([{ field: 'body.search.kmeans.kk', message: 'is not a known field' }]);
      expect((await get('/stats/jobs')).body).toEqual({ items: [], nextCursor: null });
    });

    it('runs a training job in the background and streams its progress to the end', async () => {
      const accepted = await post('/stats/runs', {
        snapshotIds: [regularId, playoffsId],
        seed: 3,
        search: SMALL_SEARCH,
      });
      expect(accepted.status).toBe(202);
      jobId = accepted.body.jobId;
      expect(accepted.headers.location).toBe(`/stats/jobs/${jobId}`);
      expect(accepted.body).toMatchObject({
        id: jobId,
        kind: 'train',
        status: 'queued',
        season: '2018-19',
        snapshotIds: [regularId, playoffsId],
        clusterers: ['kmeans', 'agglomerative', 'dbscan', 'gaussianMixture'],
        seed: 3,
        experiment: 'nba-player-clusters-2018-19',
        links: { job: `/stats/jobs/${jobId}`, events: `/stats/jobs/${jobId}/events` },
      });

      // The stream ends with the job, so the whole conversation arrives as one payload.
      const stream = await stats.request('GET', `/stats/jobs/${jobId}/events`, { as: 'viewer' });
      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toContain('text/event-stream');
      expect(stream.headers['x-accel-buffering']).toBe('no');
      expect(stream.headers['x-request-id']).toBeDefined();
      const events = parseEventStream(stream.text);
      const last = events.at(-1);
      expect(last?.event).toBe('done');
      expect(last?.data).toMatchObject({ jobId, status: 'finished' });
      runIds = last?.data.runIds as number[];
      // 2 k-means + 2 agglomerative + 1 DBSCAN + 1 mixture
      expect(runIds).toHaveLength(6);
      bestRunId = last?.data.bestRunId as number;
      const progress = events.filter((e) => e.event === 'progress');
      expect(events.filter((e) => e.event !== 'progress')).toHaveLength(1);
      // Every progress event carries its event row's id, in order.
      const ids = progress.map((e) => Number(e.id));
      expect(ids.every(Number.isInteger)).toBe(true);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      // Steps were reported one by one (the job yields between them), not only at the end.
      const done = progress.map((e) => e.data.stepsDone as number);
      expect(done.at(-1)).toBe(6);
      expect(new Set(done.filter((d) => d > 0 && d < 6)).size).toBeGreaterThanOrEqual(3);
      expect(progress.some((e) => e.data.clusterer === 'gaussianMixture')).toBe(true);

      const job = (await get(`/stats/jobs/${jobId}`)).body;
      expect(job).toMatchObject({ status: 'finished', stepsDone: 6, stepsTotal: 6, error: null, bestRunId });
      expect(job.runIds).toEqual(runIds);
      expect(job.durationMs).toBeGreaterThanOrEqual(0);
      expect(job.finishedAt).toMatch(/Z$/);

      // A finished job's stream replays its state and ends at once.
      expect((await jobEvents(stats, jobId)).map((e) => e.event)).toEqual(['progress', 'done']);
      const jobs = (await get('/stats/jobs')).body;
      expect(jobs.items.map((j: { id: string }) => j.id)).toEqual([jobId]);
      expect(jobs.items[0]).not.toHaveProperty('runIds');
    });

    it('lists runs with scores, best first, and never picks the degenerate split as best', async () => {
      const listed = (await get(`/stats/runs?jobId=${jobId}`)).body;
      expect(listed.items).toHaveLength(6);
      expect(listed.nextCursor).toBeNull();
      const scores = listed.items.map((r: { rankingScore: number | null }) => r.rankingScore ?? -Infinity);
      expect(scores).toEqual([...scores].sort((a: number, b: number) => b - a));
      for (const run of listed.items) {
        expect(run, JSON.stringify(run)).toMatchObject({ status: 'finished', error: null, jobId, stage: 'none' });
        expect(run.metrics).toHaveProperty('silhouette');
        expect(run.metrics).toHaveProperty('smallestClusterShare');
        expect(run.metrics).toHaveProperty('rankingScore');
        expect(Object.keys(run.metrics).some((key) => key.startsWith('diagnostics.'))).toBe(true);
        expect(run.snapshotIds).toEqual([regularId, playoffsId]);
        expect(run.experimentName).toBe('nba-player-clusters-2018-19');
        expect(run.startedAt).toMatch(/Z$/);
      }
      const kmeans = listed.items.find((r: { clusterer: string }) => r.clusterer === 'kmeans');
      expect(kmeans.params).toEqual({ k: expect.any(Number), nInit: 2 });
      expect(kmeans.metrics).toHaveProperty('diagnostics.inertia');
      const average = listed.items.find(
        (r: { clusterer: string; params: { linkage?: string } }) =>
          r.clusterer === 'agglomerative' && r.params.linkage === 'average',
      );
      expect(average.eligibleForBest).toBe(false);
      expect(bestRunId).not.toBe(average.id);
      const best = listed.items.find((r: { id: number }) => r.id === bestRunId);
      expect(best.eligibleForBest).toBe(true);

      const detail = (await get(`/stats/runs/${bestRunId}`)).body;
      expect(detail).toMatchObject({ id: bestRunId, metrics: best.metrics, params: best.params });
      expect(detail.players).toHaveLength(365);
      expect(detail.players[0]).toEqual({
        playerId: expect.any(Number),
        playerName: expect.any(String),
        teamAbbreviation: expect.any(String),
        gp: expect.any(Number),
        minutes: expect.any(Number),
        label: expect.any(Number),
        x: expect.any(Number),
        y: expect.any(Number),
      });
      expect((await get('/stats/runs/999999')).status).toBe(404);

      // Page by page, in either order, every run once and in the order of the whole list.
      for (const sort of ['score', 'recent']) {
        const whole = (await get(`/stats/runs?jobId=${jobId}&sort=${sort}`)).body.items.map((r: { id: number }) => r.id);
        const paged: number[] = [];
        let cursor: string | null = null;
        do {
          const page: { items: { id: number }[]; nextCursor: string | null } = (
            await get(`/stats/runs?jobId=${jobId}&sort=${sort}&limit=4${cursor ? `&cursor=${cursor}` : ''}`)
          ).body;
          paged.push(...page.items.map((r) => r.id));
          cursor = page.nextCursor;
        } while (cursor);
        expect(paged, sort).toEqual(whole);
      }
      const recent = (await get(`/stats/runs?jobId=${jobId}&limit=2&sort=recent`)).body;
      const page2 = (await get(`/stats/runs?jobId=${jobId}&limit=2&sort=recent&cursor=${recent.nextCursor}`)).body;
      expect(page2.items.map((r: { id: number }) => r.id)).toEqual([...runIds].reverse().slice(2, 4));
      // A cursor of one order means nothing in the other.
      const crossed = await get(`/stats/runs?jobId=${jobId}&sort=score&cursor=${recent.nextCursor}`);
      expect(crossed.status).toBe(400);
      expect(crossed.body.errors[0].field).toBe('query.cursor');
    });

    it('promotes one run at a time, archiving the previous one', async () => {
      const first = await post(`/stats/runs/${bestRunId}/promote`);
      expect(first.status).toBe(200);
      expect(first.body.run.stage).toBe('production');
      expect(first.body.run.promotedAt).toMatch(/Z$/);
      expect(first.body.archivedRunIds).toEqual([]);

      const clusters = (await get('/stats/clusters')).body;
      expect(clusters.run.id).toBe(bestRunId);
      expect(clusters.season).toBe('2018-19');
      expect(clusters.players).toHaveLength(365);
      expect(clusters.clusters.reduce((s: number, c: { size: number }) => s + c.size, 0)).toBe(365);

      const other = runIds.find((id) => id !== bestRunId) as number;
      const second = await post(`/stats/runs/${other}/promote`);
      expect(second.body.archivedRunIds).toEqual([bestRunId]);
      const production = (await get('/stats/runs?stage=production')).body;
      expect(production.items.map((r: { id: number }) => r.id)).toEqual([other]);
      expect((await get(`/stats/runs/${bestRunId}`)).body.stage).toBe('archived');
      expect((await get('/stats/clusters')).body.run.id).toBe(other);

      // Promoting the production run again changes nothing.
      expect((await post(`/stats/runs/${other}/promote`)).body.archivedRunIds).toEqual([]);
      expect((await post('/stats/runs/999999/promote')).status).toBe(404);
      expect((await stats.request('POST', `/stats/runs/${other}/promote`, { as: 'viewer' })).status).toBe(403);
    });

    it('fails a job on an empty snapshot and says why, as a problem document', async () => {
      const empty = structuredClone(nbaBody(REGULAR_2018)) as { resultSets: { rowSet: unknown[] }[] };
      (empty.resultSets[0] as { rowSet: unknown[] }).rowSet = [];
      // The file names 2018-19 in its parameters; an empty copy for another season drops them.
      const imported = await post('/stats/snapshots/import?season=2017-18', { resultSets: empty.resultSets });
      expect(imported.status).toBe(400); // seasonType is then unknown too
      const stored = await post('/stats/snapshots/import?season=2017-18&seasonType=Regular%20Season', {
        resultSets: empty.resultSets,
      });
      expect(stored.status).toBe(201);
      expect(stored.body.playerCount).toBe(0);

      const accepted = await post('/stats/runs', { season: '2017-18', search: SMALL_SEARCH });
      expect(accepted.status).toBe(202);
      const failedJob = accepted.body.jobId as string;
      const events = await jobEvents(stats, failedJob);
      const last = events.at(-1);
      expect(last?.event).toBe('error');
      expect(last?.data).toMatchObject({
        type: 'about:blank',
        status: 422,
        jobId: failedJob,
        jobStatus: 'failed',
        instance: `/stats/jobs/${failedJob}/events`,
      });
      expect(last?.data.detail).toMatch(/only 0 eligible players/);
      const job = (await get(`/stats/jobs/${failedJob}`)).body;
      expect(job.status).toBe('failed');
      expect(job.error).toBe(last?.data.detail);
      expect(job.runIds).toEqual([]);
      expect((await get('/stats/jobs?status=failed')).body.items.map((j: { id: string }) => j.id)).toEqual([failedJob]);
      // Newest first, one page at a time.
      const newest = (await get('/stats/jobs?limit=1')).body;
      expect(newest.items.map((j: { id: string }) => j.id)).toEqual([failedJob]);
      const older = (await get(`/stats/jobs?limit=1&cursor=${newest.nextCursor}`)).body;
      expect(older).toMatchObject({ items: [{ id: jobId }], nextCursor: null });
    });

    it('answers 404 for the events of an unknown job, before any stream', async () => {
      const unknown = await get('/stats/jobs/00000000-0000-4000-8000-000000000000/events');
      expect(unknown.status).toBe(404);
      expect(unknown.headers['content-type']).toContain('application/problem+json');
      const malformed = await get('/stats/jobs/urn:uuid:00000000-0000-4000-8000-000000000000');
      expect(malformed.status).toBe(400);
      expect(malformed.body.errors[0].field).toBe('path.id');
    });

    it('counts runs and times jobs in /metrics', async () => {
      const text = (await stats.request('GET', '/metrics', { as: 'anonymous' })).text;
      expect(text).toMatch(/stats_training_runs_total\{[^}]*clusterer="kmeans"[^}]*status="finished"[^}]*\} 2/);
      expect(text).toMatch(/stats_training_job_duration_seconds_count\{[^}]*status="finished"[^}]*\} 1/);
      expect(text).toMatch(/stats_training_job_duration_seconds_count\{[^}]*status="failed"[^}]*\} 1/);
      expect(text).toMatch(/stats_snapshots_stored_total\{[^}]*source="imported"[^}]*\} 3/);
    });
  });
});
