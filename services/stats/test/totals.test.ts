import { testDatabaseKinds } from '@flotilla/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLeagueDash, type PlayerStatRow } from '../src/domain/parse.js';
import { toPer36 } from '../src/domain/perMode.js';
import { jobEvents, nbaBody, SMALL_SEARCH, type Stats, startStats } from './helpers/service.js';

/**
 * A saved `PerMode=Totals` response (the recorded 2025-26 one) is usable: players and training
 * read it as per-36 rates. `PerGame` is refused at the door, naming the field.
 */
const TOTALS_2025 = 'leaguedashplayerstats_2025-26_regular_totals.json';

describe('Totals rows as per-36 rates', () => {
  const rows = parseLeagueDash(nbaBody(TOTALS_2025)).rows;
  const byName = (list: readonly PlayerStatRow[], name: string) =>
    list.find((row) => row.playerName === name) as PlayerStatRow;

  it('divides every count by minutes and multiplies by 36, keeping games and total minutes', () => {
    const green = byName(rows, 'AJ Green');
    expect(green).toMatchObject({ gp: 50, pts: 522, fg3m: 151, reb: 130 });
    const per36 = byName(toPer36(rows, 'Totals'), 'AJ Green');
    expect(per36.pts).toBeCloseTo((522 * 36) / 1510.185, 9);
    expect(per36.fg3m).toBeCloseTo((151 * 36) / 1510.185, 9);
    expect(per36.reb).toBeCloseTo((130 * 36) / 1510.185, 9);
    expect(per36).toMatchObject({ gp: 50, min: green.min, age: green.age, playerId: green.playerId });
  });

  it('gives a player without minutes rates of 0, not NaN', () => {
    const idle = { ...byName(rows, 'AJ Green'), min: 0, pts: 0, reb: 0 };
    const [converted] = toPer36([idle], 'Totals');
    expect(converted?.pts).toBe(0);
    expect(Object.values(converted ?? {}).every((v) => typeof v !== 'number' || Number.isFinite(v))).toBe(true);
  });

  it('leaves Per36 rows as they are', () => {
    expect(toPer36(rows, 'Per36')).toEqual(rows);
  });
});

describe.each(testDatabaseKinds())('a Totals snapshot on %s', (kind) => {
  let stats: Stats;
  beforeAll(async () => {
    stats = await startStats(kind);
  });
  afterAll(async () => {
    await stats?.close();
  });
  const post = (url: string, body: unknown) => stats.request('POST', url, { as: 'operator', body });
  const get = (url: string) => stats.request('GET', url, { as: 'viewer' });

  it('refuses a PerGame response, naming where the per-mode came from, and stores nothing', async () => {
    const perGame = { ...nbaBody(TOTALS_2025) };
    perGame.parameters = { ...(perGame.parameters as object), PerMode: 'PerGame' };
    const fromFile = await post('/stats/snapshots/import', perGame);
    expect(fromFile.status).toBe(400);
    expect(fromFile.headers['content-type']).toContain('application/problem+json');
    expect(fromFile.body.errors).toEqual([
      { field: 'body.parameters.PerMode', message: expect.stringMatching(/^is PerGame, which cannot be used: .*Per36 or PerMode=Totals$/) },
    ]);
    const fromQuery = await post('/stats/snapshots/import?perMode=PerGame', { resultSets: [] });
    expect(fromQuery.status).toBe(400);
    expect(fromQuery.body.errors[0].field).toBe('query.perMode');
    expect((await get('/stats/snapshots')).body.items).toEqual([]);
  });

  it('imports it, serves its players as per-36 rates, and trains on the season', async () => {
    const imported = await post('/stats/snapshots/import', nbaBody(TOTALS_2025));
    expect(imported.status).toBe(201);
    expect(imported.body).toMatchObject({ season: '2025-26', perMode: 'Totals', playerCount: 535 });

    const players = await get('/stats/players?season=2025-26');
    expect(players.status).toBe(200);
    expect(players.body.snapshotIds).toEqual([imported.body.id]);
    const green = players.body.items.find((p: { playerName: string }) => p.playerName === 'AJ Green');
    expect(green).toMatchObject({ gpRegular: 50, gpPlayoffs: 0, minutes: 1510.185 });
    expect(green.rates.pts).toBeCloseTo((522 * 36) / 1510.185, 9);
    expect(green.rates.fg2m).toBeCloseTo(((172 - 151) * 36) / 1510.185, 9);

    const accepted = await post('/stats/runs', { season: '2025-26', search: SMALL_SEARCH });
    expect(accepted.status).toBe(202);
    const events = await jobEvents(stats, accepted.body.jobId as string);
    expect(events.at(-1)?.event).toBe('done');
    const runs = await get(`/stats/runs?jobId=${accepted.body.jobId}`);
    expect(runs.body.items.length).toBeGreaterThan(0);
    expect(runs.body.items.every((r: { status: string }) => r.status === 'finished')).toBe(true);
  });
});
