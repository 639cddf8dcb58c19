import { testDatabaseKinds } from '@flotilla/kit/testing';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  nbaBody,
  PLAYOFFS_2018,
  parseEvents,
  REGULAR_2018,
  SMALL_SEARCH,
  startStats,
} from './helpers/service.js';

describe.each(testDatabaseKinds())('stats service on %s', (kind) => {
  let stats: Awaited<ReturnType<typeof startStats>>;
  let regularId: number;
  let playoffsId: number;

  beforeAll(async () => {
    stats = await startStats(kind);
  });
  afterAll(async () => {
    await stats?.close();
  });

  const inject = (options: InjectOptions | string) => stats.app.inject(options);
  const countSnapshots = async () =>
    (await inject({ url: '/stats/snapshots', headers: stats.viewer })).json().total as number;

  describe('snapshots', () => {
    it('imports saved responses, reading season and type from their parameters', async () => {
      const regular = await inject({
        method: 'POST',
        url: '/stats/snapshots/import',
        headers: stats.operator,
        payload: nbaBody(REGULAR_2018),
      });
      expect(regular.statusCode).toBe(201);
      expect(regular.json()).toMatchObject({
        season: '2018-19',
        seasonType: 'Regular Season',
        perMode: 'Per36',
        source: 'imported',
        playerCount: 530,
      });
      regularId = regular.json().id;
      const playoffs = await inject({
        method: 'POST',
        url: '/stats/snapshots/import?origin=shared-data',
        headers: stats.operator,
        payload: nbaBody(PLAYOFFS_2018),
      });
      expect(playoffs.statusCode).toBe(201);
      expect(playoffs.json()).toMatchObject({
        seasonType: 'Playoffs',
        playerCount: 212,
        origin: 'shared-data',
      });
      playoffsId = playoffs.json().id;

      const list = await inject({ url: '/stats/snapshots?season=2018-19&limit=1', headers: stats.viewer });
      expect(list.json()).toMatchObject({ total: 2, limit: 1, offset: 0 });
      expect(list.json().items).toHaveLength(1);
      expect(list.json().items[0]).not.toHaveProperty('rawResponse');
    });

    it('refuses bad imports with a 400 naming the field, storing nothing', async () => {
      const before = await countSnapshots();
      const contradicting = await inject({
        method: 'POST',
        url: '/stats/snapshots/import?season=2017-18',
        headers: stats.operator,
        payload: nbaBody(REGULAR_2018),
      });
      expect(contradicting.statusCode).toBe(400);
      expect(contradicting.headers['content-type']).toContain('application/problem+json');
      expect(contradicting.json().errors[0].field).toBe('query.season');

      const garbage = await inject({
        method: 'POST',
        url: '/stats/snapshots/import',
        headers: stats.operator,
        payload: { hello: 'world' },
      });
      expect(garbage.statusCode).toBe(400);
      expect(garbage.json().errors[0].field).toBe('body');
      expect(garbage.json().detail).toMatch(/no resultSets/);

      const { parameters: _dropped, ...withoutParameters } = nbaBody(PLAYOFFS_2018);
      const unnamed = await inject({
        method: 'POST',
        url: '/stats/snapshots/import',
        headers: stats.operator,
        payload: withoutParameters,
      });
      expect(unnamed.statusCode).toBe(400);
      expect(unnamed.json().errors[0].field).toBe('query.season');

      const badQuery = await inject({
        method: 'POST',
        url: '/stats/snapshots/import?seasonType=Preseason',
        headers: stats.operator,
        payload: nbaBody(PLAYOFFS_2018),
      });
      expect(badQuery.statusCode).toBe(400);
      expect(badQuery.json().detail).toMatch(/querystring\.seasonType|query\.seasonType/);
      expect(await countSnapshots()).toBe(before);
    });

    it('answers 404 problems for unknown snapshots and 400 for malformed ids', async () => {
      expect((await inject({ url: '/stats/snapshots/999999', headers: stats.viewer })).statusCode).toBe(404);
      const bad = await inject({ url: '/stats/snapshots/abc', headers: stats.viewer });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().detail).toMatch(/id/);
    });
  });

  describe('access', () => {
    it('refuses anonymous callers and viewers who try to write', async () => {
      const anonymous = await inject({ url: '/stats/runs' });
      expect(anonymous.statusCode).toBe(401);
      const viewerTrains = await inject({
        method: 'POST',
        url: '/stats/runs',
        headers: stats.viewer,
        payload: { season: '2018-19' },
      });
      expect(viewerTrains.statusCode).toBe(403);
      expect((await inject({ url: '/healthz' })).statusCode).toBe(200);
    });
  });

  describe('players', () => {
    it('merges regular season and playoffs of a season and marks eligibility', async () => {
      const response = await inject({
        url: '/stats/players?season=2018-19&eligible=true',
        headers: stats.viewer,
      });
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body.total).toBe(365);
      expect(body.snapshotIds).toEqual([regularId, playoffsId]);
      const gordon = body.items.find((p: { playerName: string }) => p.playerName === 'Aaron Gordon');
      expect(gordon).toMatchObject({
        playerId: 203932,
        teamAbbreviation: 'ORL',
        eligible: true,
        gpRegular: 78,
        gpPlayoffs: 5,
      });
      expect(typeof gordon.rates.fg2m).toBe('number');
      const all = await inject({
        url: '/stats/players?season=2018-19&limit=10&offset=5',
        headers: stats.viewer,
      });
      expect(all.json().total).toBeGreaterThan(365);
      expect(all.json().items).toHaveLength(10);
    });

    it('names a missing or malformed season and 404s an unknown one', async () => {
      const missing = await inject({ url: '/stats/players', headers: stats.viewer });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().detail).toMatch(/season/);
      const malformed = await inject({ url: '/stats/players?season=2018', headers: stats.viewer });
      expect(malformed.statusCode).toBe(400);
      expect((await inject({ url: '/stats/players?season=1990-91', headers: stats.viewer })).statusCode).toBe(
        404,
      );
    });
  });

  describe('training, tracking and promotion', () => {
    let jobId: string;
    let runIds: number[];
    let bestRunId: number;

    it('answers 404 for clusters while nothing is promoted', async () => {
      const response = await inject({ url: '/stats/clusters', headers: stats.viewer });
      expect(response.statusCode).toBe(404);
      expect(response.json().detail).toMatch(/promoted/);
    });

    it('validates the training request', async () => {
      const both = await inject({
        method: 'POST',
        url: '/stats/runs',
        headers: stats.operator,
        payload: { season: '2018-19', snapshotIds: [regularId] },
      });
      expect(both.statusCode).toBe(400);
      expect(both.json().errors[0].field).toBe('body.season');
      const clusterer = await inject({
        method: 'POST',
        url: '/stats/runs',
        headers: stats.operator,
        payload: { season: '2018-19', clusterers: ['spectral'] },
      });
      expect(clusterer.statusCode).toBe(400);
      expect(clusterer.json().detail).toMatch(/body\.clusterers/);
      const noData = await inject({
        method: 'POST',
        url: '/stats/runs',
        headers: stats.operator,
        payload: { season: '1990-91' },
      });
      expect(noData.statusCode).toBe(400);
      expect(noData.json().errors[0].field).toBe('body.season');
      const twoRegular = await inject({
        method: 'POST',
        url: '/stats/runs',
        headers: stats.operator,
        payload: { snapshotIds: [playoffsId] },
      });
      expect(twoRegular.statusCode).toBe(400);
      expect(twoRegular.json().errors[0].field).toBe('body.snapshotIds');
      const jobs = await inject({ url: '/stats/jobs', headers: stats.viewer });
      expect(jobs.json().total).toBe(0);
    });

    it('runs a training job in the background and streams its progress to the end', async () => {
      const accepted = await inject({
        method: 'POST',
        url: '/stats/runs',
        headers: stats.operator,
        payload: { snapshotIds: [regularId, playoffsId], seed: 3, search: SMALL_SEARCH },
      });
      expect(accepted.statusCode).toBe(202);
      jobId = accepted.json().jobId;
      expect(accepted.headers.location).toBe(`/stats/jobs/${jobId}`);
      expect(accepted.json()).toMatchObject({ status: 'queued', season: '2018-19', seed: 3 });

      // The stream ends with the job, so the whole conversation arrives as one payload.
      const stream = await inject({ url: `/stats/jobs/${jobId}/events`, headers: stats.viewer });
      expect(stream.statusCode).toBe(200);
      expect(stream.headers['content-type']).toContain('text/event-stream');
      expect(stream.headers['x-accel-buffering']).toBe('no');
      const events = parseEvents(stream.payload);
      const last = events.at(-1);
      expect(last?.event).toBe('finished');
      runIds = last?.data.runIds as number[];
      // 2 k-means + 2 agglomerative + 1 DBSCAN + 1 mixture
      expect(runIds).toHaveLength(6);
      bestRunId = last?.data.bestRunId as number;
      const progress = events.filter((e) => e.event === 'progress').map((e) => e.data);
      // Steps were reported one by one (the job yields between them), not only at the end.
      const done = progress.map((p) => p.stepsDone as number);
      expect(done.at(-1)).toBe(6);
      expect(new Set(done.filter((d) => d > 0 && d < 6)).size).toBeGreaterThanOrEqual(3);
      expect(progress.some((p) => p.clusterer === 'gaussianMixture')).toBe(true);

      const job = (await inject({ url: `/stats/jobs/${jobId}`, headers: stats.viewer })).json();
      expect(job).toMatchObject({ status: 'finished', stepsDone: 6, stepsTotal: 6, error: null, bestRunId });
      expect(job.runIds).toEqual(runIds);
      expect(job.durationMs).toBeGreaterThanOrEqual(0);

      // A finished job's stream replays its state and ends at once.
      const replay = parseEvents(
        (await inject({ url: `/stats/jobs/${jobId}/events`, headers: stats.viewer })).payload,
      );
      expect(replay.map((e) => e.event)).toEqual(['progress', 'finished']);
    });

    it('lists runs with scores, best first, and never picks the degenerate split as best', async () => {
      const listed = (await inject({ url: `/stats/runs?jobId=${jobId}`, headers: stats.viewer })).json();
      expect(listed.total).toBe(6);
      const scores = listed.items.map((r: { rankingScore: number | null }) => r.rankingScore ?? -Infinity);
      expect(scores).toEqual([...scores].sort((a: number, b: number) => b - a));
      for (const run of listed.items) {
        expect(run, JSON.stringify(run)).toMatchObject({ status: 'finished', error: null });
        expect(run.metrics).toHaveProperty('silhouette');
        expect(run.metrics).toHaveProperty('smallestClusterShare');
        expect(run.snapshotIds).toEqual([regularId, playoffsId]);
        expect(run.experimentName).toBe('nba-player-clusters-2018-19');
      }
      const average = listed.items.find(
        (r: { clusterer: string; params: { linkage?: string } }) =>
          r.clusterer === 'agglomerative' && r.params.linkage === 'average',
      );
      expect(average.eligibleForBest).toBe(false);
      expect(bestRunId).not.toBe(average.id);
      const best = listed.items.find((r: { id: number }) => r.id === bestRunId);
      expect(best.eligibleForBest).toBe(true);

      const detail = (await inject({ url: `/stats/runs/${bestRunId}`, headers: stats.viewer })).json();
      expect(detail.players).toHaveLength(365);
      expect(detail.players[0]).toEqual(
        expect.objectContaining({
          playerId: expect.any(Number),
          label: expect.any(Number),
          x: expect.any(Number),
          y: expect.any(Number),
        }),
      );
      expect((await inject({ url: '/stats/runs/999999', headers: stats.viewer })).statusCode).toBe(404);
      const page2 = (
        await inject({
          url: `/stats/runs?jobId=${jobId}&limit=2&offset=2&sort=recent`,
          headers: stats.viewer,
        })
      ).json();
      expect(page2.items.map((r: { id: number }) => r.id)).toEqual([...runIds].reverse().slice(2, 4));
    });

    it('promotes one run at a time, archiving the previous one', async () => {
      const first = await inject({
        method: 'POST',
        url: `/stats/runs/${bestRunId}/promote`,
        headers: stats.operator,
      });
      expect(first.statusCode).toBe(200);
      expect(first.json().run.stage).toBe('production');

      const clusters = (await inject({ url: '/stats/clusters', headers: stats.viewer })).json();
      expect(clusters.run.id).toBe(bestRunId);
      expect(clusters.season).toBe('2018-19');
      expect(clusters.players).toHaveLength(365);
      expect(clusters.clusters.reduce((s: number, c: { size: number }) => s + c.size, 0)).toBe(365);

      const other = runIds.find((id) => id !== bestRunId) as number;
      const second = await inject({
        method: 'POST',
        url: `/stats/runs/${other}/promote`,
        headers: stats.operator,
      });
      expect(second.json().archivedRunIds).toEqual([bestRunId]);
      const production = (
        await inject({ url: '/stats/runs?stage=production', headers: stats.viewer })
      ).json();
      expect(production.items.map((r: { id: number }) => r.id)).toEqual([other]);
      const archived = (await inject({ url: `/stats/runs/${bestRunId}`, headers: stats.viewer })).json();
      expect(archived.stage).toBe('archived');
      expect((await inject({ url: '/stats/clusters', headers: stats.viewer })).json().run.id).toBe(other);

      // Promoting the production run again changes nothing.
      const again = await inject({
        method: 'POST',
        url: `/stats/runs/${other}/promote`,
        headers: stats.operator,
      });
      expect(again.json().archivedRunIds).toEqual([]);
      expect(
        (await inject({ method: 'POST', url: '/stats/runs/999999/promote', headers: stats.operator }))
          .statusCode,
      ).toBe(404);
      expect(
        (await inject({ method: 'POST', url: `/stats/runs/${other}/promote`, headers: stats.viewer }))
          .statusCode,
      ).toBe(403);
    });

    it('fails a job on an empty snapshot and says why', async () => {
      const empty = structuredClone(nbaBody(REGULAR_2018)) as { resultSets: { rowSet: unknown[] }[] };
      (empty.resultSets[0] as { rowSet: unknown[] }).rowSet = [];
      const imported = await inject({
        method: 'POST',
        url: '/stats/snapshots/import?season=2017-18',
        headers: stats.operator,
        // The file names 2018-19 in its parameters; an empty copy for another season drops them.
        payload: { resultSets: empty.resultSets },
      });
      expect(imported.statusCode).toBe(400); // seasonType is then unknown too
      const stored = await inject({
        method: 'POST',
        url: '/stats/snapshots/import?season=2017-18&seasonType=Regular%20Season',
        headers: stats.operator,
        payload: { resultSets: empty.resultSets },
      });
      expect(stored.statusCode).toBe(201);
      expect(stored.json().playerCount).toBe(0);

      const accepted = await inject({
        method: 'POST',
        url: '/stats/runs',
        headers: stats.operator,
        payload: { season: '2017-18', search: SMALL_SEARCH },
      });
      expect(accepted.statusCode).toBe(202);
      const events = parseEvents(
        (await inject({ url: `/stats/jobs/${accepted.json().jobId}/events`, headers: stats.viewer })).payload,
      );
      expect(events.at(-1)).toMatchObject({ event: 'failed', data: { status: 'failed' } });
      expect(events.at(-1)?.data.error).toMatch(/only 0 eligible players/);
      const job = (
        await inject({ url: `/stats/jobs/${accepted.json().jobId}`, headers: stats.viewer })
      ).json();
      expect(job.status).toBe('failed');
      expect(job.error).toMatch(/only 0 eligible players/);
      expect(job.runIds).toEqual([]);
    });

    it('counts runs and times jobs in /metrics', async () => {
      const text = (await inject({ url: '/metrics' })).payload;
      expect(text).toMatch(
        /stats_training_runs_total\{[^}]*clusterer="kmeans"[^}]*status="finished"[^}]*\} 2/,
      );
      expect(text).toMatch(/stats_training_job_duration_seconds_count\{[^}]*status="finished"[^}]*\} 1/);
      expect(text).toMatch(/stats_training_job_duration_seconds_count\{[^}]*status="failed"[^}]*\} 1/);
      expect(text).toMatch(/stats_snapshots_stored_total\{[^}]*source="imported"[^}]*\} 3/);
    });
  });
});
