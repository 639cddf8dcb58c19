import { describe, expect, it } from 'vitest';
import type { Assignment, RateStat, Run } from '../src/api/stats';
import {
  clusterNameFrom,
  clusterProfiles,
  formatZ,
  type PlayerRates,
  rankRuns,
  type StatDifference,
  scatterSeries,
  traitsOf,
} from '../src/lib/stats';

/** Per-36 rates with every stat at `base` unless given. */
const rates = (over: Partial<Record<RateStat, number>>, base = 1): Record<RateStat, number> => ({
  fgm: base,
  fga: base,
  fg2m: base,
  fg2a: base,
  fg3m: base,
  fg3a: base,
  ftm: base,
  fta: base,
  oreb: base,
  dreb: base,
  reb: base,
  ast: base,
  tov: base,
  stl: base,
  blk: base,
  blka: base,
  pf: base,
  pfd: base,
  pts: base,
  ...over,
});

const BIG = rates({ pts: 14, fg2a: 10, fg3a: 0.5, fta: 4, ast: 2, tov: 2, oreb: 4, dreb: 9, reb: 13, stl: 0.8, blk: 2.5, pf: 4 });
const GUARD = rates({ pts: 16, fg2a: 8, fg3a: 5, fta: 4, ast: 8, tov: 3, oreb: 0.8, dreb: 3.5, reb: 4.3, stl: 1.8, blk: 0.3, pf: 2.5 });
const SHOOTER = rates({ pts: 18, fg2a: 5, fg3a: 9, fta: 2.5, ast: 2.5, tov: 1.5, oreb: 0.8, dreb: 4, reb: 4.8, stl: 1, blk: 0.4, pf: 3 });

const assignment = (playerId: number, label: number): Assignment => ({
  playerId,
  playerName: `Player ${playerId}`,
  teamAbbreviation: 'TST',
  gp: 60,
  minutes: 1800,
  x: playerId,
  y: -playerId,
  label,
});

// Four players per cluster, identical within it; player 13 is DBSCAN noise with no rates known.
const players = [0, 1, 2].flatMap((label) => [1, 2, 3, 4].map((i) => assignment(label * 4 + i, label)));
const table: PlayerRates = new Map(
  players.map((p) => [p.playerId, [BIG, GUARD, SHOOTER][p.label] as Record<RateStat, number>]),
);

const diff = (stat: RateStat, z: number): StatDifference => ({ stat, z, cluster: 0, league: 0 });

describe('cluster profiles', () => {
  const result = clusterProfiles([...players, assignment(13, -1)], table);

  it('compares each cluster with the league of every rated clustered player', () => {
    expect(result?.league.size).toBe(12);
    expect(result?.league.means.pts).toBeCloseTo(16, 12);
    expect(result?.profiles.map((p) => [p.label, p.size])).toEqual([
      [0, 4],
      [1, 4],
      [2, 4],
    ]);
    const big = result?.profiles[0];
    expect(big?.means.blk).toBe(2.5);
    // OREB: 4 against 0.8 and 0.8 is exactly √2 standard deviations above.
    expect(big?.differences[0]).toEqual({
      stat: 'oreb',
      cluster: 4,
      league: expect.closeTo((4 + 0.8 + 0.8) / 3, 12),
      z: expect.closeTo(Math.SQRT2, 12),
    });
    // Largest distance first, whatever its sign.
    const distances = big?.differences.map((d) => Math.abs(d.z)) ?? [];
    expect(distances).toEqual([...distances].sort((a, b) => b - a));
  });

  it('names each cluster from the stats that set it apart', () => {
    expect(result?.profiles.map((p) => p.name)).toEqual([
      // Its 14 points are 1.2 σ under the league's 16.
      'Low-usage rebounders & rim protectors',
      'Playmakers & ball hawks',
      'High-volume scorers & three-point shooters',
    ]);
  });

  it('gives the same data the same profiles, whatever the order of the players', () => {
    expect(clusterProfiles([...players].reverse(), table)).toEqual(clusterProfiles(players, table));
  });

  it('calls noise noise, and is undefined without any rates', () => {
    const withNoise = clusterProfiles([...players, { ...assignment(20, -1) }], new Map([...table, [20, BIG]]));
    expect(withNoise?.profiles.at(-1)).toMatchObject({ label: -1, name: 'Noise', size: 1 });
    expect(clusterProfiles(players, new Map())).toBeUndefined();
  });

  it('gives two clusters that would share a name their third trait', () => {
    // A second cluster of bigs that also steal: the same two strongest traits, a different third.
    const twin = rates({ ...BIG, stl: 1.8 });
    const twins = [...players, ...[21, 22, 23, 24].map((id) => assignment(id, 3))];
    const named = clusterProfiles(twins, new Map([...table, ...[21, 22, 23, 24].map((id) => [id, twin] as const)]));
    const twoTraits = (label: number) => clusterNameFrom(named?.profiles[label]?.differences ?? []);
    expect(twoTraits(0)).toBe(twoTraits(3));
    expect(named?.profiles.map((p) => p.name)).toEqual([
      'Low-usage rebounders, rim protectors & inside scorers',
      'Playmakers & ball hawks',
      'High-volume scorers & three-point shooters',
      'Low-usage rebounders, rim protectors & ball hawks',
    ]);
  });
});

describe('cluster names from differences', () => {
  it('takes traits half a deviation up or more, highest first, one per family', () => {
    const differences = [diff('dreb', 1.2), diff('oreb', 1.5), diff('pts', 0.4), diff('blk', 0.9), diff('tov', 2)];
    expect(traitsOf(differences)).toEqual(['oreb', 'blk']);
    expect(clusterNameFrom(differences)).toBe('Rebounders & rim protectors');
  });

  it('says low-usage when scoring is well below the league, and names a cluster without traits honestly', () => {
    expect(clusterNameFrom([diff('pts', -0.8), diff('fg3a', 0.7)])).toBe('Low-usage three-point shooters');
    expect(clusterNameFrom([diff('pts', -0.8), diff('ast', -0.6)])).toBe('Low-usage role players');
    expect(clusterNameFrom([diff('pts', 0.2), diff('ast', 0.49)])).toBe('Near league average');
    // Turnovers and fouls are no one's role.
    expect(clusterNameFrom([diff('tov', 1.5), diff('pf', 1.5)])).toBe('Near league average');
  });

  it('formats differences in standard deviations with a real minus sign', () => {
    expect(formatZ(1.449)).toBe('+1.4 σ');
    expect(formatZ(-0.66)).toBe('−0.7 σ');
  });
});

describe('scatter axes', () => {
  it('plots the chosen stats, leaving out players without rates, and titles clusters by name', () => {
    const series = scatterSeries([...players, assignment(30, 0)], {
      axes: { x: 'fg3a', y: 'pc2' },
      rates: table,
      names: new Map([[0, 'Rebounders & rim protectors']]),
    });
    expect(series[0]?.name).toBe('Cluster 1 · Rebounders & rim protectors');
    expect(series[0]?.size).toBe(4);
    expect(series[0]?.points[0]?.slice(0, 2)).toEqual([0.5, -1]);
    expect(series[1]?.name).toBe('Cluster 2');
    expect(series[1]?.points[0]?.[0]).toBe(5);
  });
});

describe('runs order', () => {
  const run = (id: number, over: Partial<Run>): Run =>
    ({ id, status: 'finished', eligibleForBest: true, rankingScore: 0.3, stage: 'none', ...over }) as Run;

  it('puts the best run first, then ranked runs, then unranked, in progress and failed ones', () => {
    const runs = [
      run(1, { rankingScore: 0.9, eligibleForBest: false }),
      run(2, { rankingScore: 0.8, eligibleForBest: false }),
      run(3, { status: 'failed', rankingScore: null }),
      run(4, { rankingScore: 0.25 }),
      run(5, { status: 'running', rankingScore: null }),
      run(6, { rankingScore: 0.41 }),
      run(7, { rankingScore: null, eligibleForBest: false }),
    ];
    expect(rankRuns(runs).map((r) => r.id)).toEqual([6, 4, 1, 2, 7, 5, 3]);
  });
});
