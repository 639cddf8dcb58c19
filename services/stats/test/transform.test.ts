import { describe, expect, it } from 'vitest';
import { type PlayerStatRow, parseLeagueDash } from '../src/domain/parse.js';
import {
  isEligible,
  type MergedPlayer,
  mergeSeasonTypes,
  prepareFeatures,
  reduceDimensions,
  standardise,
} from '../src/domain/transform.js';
import { readNbaJson } from './helpers/sharedData.js';

const regular = parseLeagueDash(
  readNbaJson('leaguedashplayerstats_2018-19_regular_per36.resultsets.json'),
).rows;
const playoffs = parseLeagueDash(
  readNbaJson('leaguedashplayerstats_2018-19_playoffs_per36.resultsets.json'),
).rows;

function byName(players: readonly MergedPlayer[], name: string): MergedPlayer {
  const player = players.find((p) => p.playerName === name);
  if (!player) throw new Error(`${name} not found`);
  return player;
}
function rowOf(rows: readonly PlayerStatRow[], name: string): PlayerStatRow {
  const row = rows.find((r) => r.playerName === name);
  if (!row) throw new Error(`${name} not found`);
  return row;
}

describe('merging regular season and playoffs (2018-19, Per36)', () => {
  const merged = mergeSeasonTypes(regular, playoffs, 2);

  it('has one entry per player (every playoff player also played in the regular season)', () => {
    expect(merged).toHaveLength(530);
  });

  it('Aaron Gordon: derived two-pointers, weighted 78 regular games against 2×5 playoff games', () => {
    // Raw rows — regular: GP 78, FGM 6.4, FGA 14.3, FG3M 1.7, FG3A 4.7, MIN 2632.5333
    //            playoffs: GP 5,  FGM 6.4, FGA 13.6, FG3M 1.8, FG3A 4.4, MIN 163.8167
    expect(rowOf(regular, 'Aaron Gordon')).toMatchObject({
      gp: 78,
      fgm: 6.4,
      fga: 14.3,
      fg3m: 1.7,
      fg3a: 4.7,
    });
    expect(rowOf(playoffs, 'Aaron Gordon')).toMatchObject({
      gp: 5,
      fgm: 6.4,
      fga: 13.6,
      fg3m: 1.8,
      fg3a: 4.4,
    });
    const gordon = byName(merged, 'Aaron Gordon');
    // FG2M: regular 6.4 − 1.7 = 4.7, playoffs 6.4 − 1.8 = 4.6; weights 78 and 2·5 = 10
    //       (78·4.7 + 10·4.6) / 88 = (366.6 + 46.0) / 88 = 412.6 / 88 = 4.688636…
    expect(gordon.rates.fg2m).toBeCloseTo(412.6 / 88, 10);
    expect(gordon.rates.fg2m).toBeCloseTo(4.688636, 5);
    // FG2A: regular 14.3 − 4.7 = 9.6, playoffs 13.6 − 4.4 = 9.2
    //       (78·9.6 + 10·9.2) / 88 = (748.8 + 92.0) / 88 = 840.8 / 88 = 9.554545…
    expect(gordon.rates.fg2a).toBeCloseTo(9.554545, 5);
    // FG3M: (78·1.7 + 10·1.8) / 88 = (132.6 + 18) / 88 = 150.6 / 88 = 1.711364…
    expect(gordon.rates.fg3m).toBeCloseTo(1.711364, 5);
    // Minutes are totals and add: 2632.5333 + 163.8167 = 2796.35
    expect(gordon.minutes).toBeCloseTo(2796.35, 6);
    expect(gordon).toMatchObject({ gpRegular: 78, gpPlayoffs: 5, teamAbbreviation: 'ORL' });
  });

  it('Kawhi Leonard: a long playoff run weighs heavily; the weight is configurable', () => {
    // regular: GP 60, FGM 9.9, FGA 19.9, FG3M 2.0, FG3A 5.3; playoffs: GP 24, FGM 9.3, FGA 19.0, FG3M 2.1, FG3A 5.6
    const kawhi = byName(merged, 'Kawhi Leonard');
    // FG2M: regular 9.9 − 2.0 = 7.9, playoffs 9.3 − 2.1 = 7.2; weights 60 and 2·24 = 48
    //       (60·7.9 + 48·7.2) / 108 = (474 + 345.6) / 108 = 819.6 / 108 = 7.588889…
    expect(kawhi.rates.fg2m).toBeCloseTo(7.588889, 5);
    // FG3A: (60·5.3 + 48·5.6) / 108 = (318 + 268.8) / 108 = 586.8 / 108 = 5.433333…
    expect(kawhi.rates.fg3a).toBeCloseTo(5.433333, 5);
    // With playoff weight 1: (60·7.9 + 24·7.2) / 84 = (474 + 172.8) / 84 = 646.8 / 84 = 7.7
    expect(byName(mergeSeasonTypes(regular, playoffs, 1), 'Kawhi Leonard').rates.fg2m).toBeCloseTo(7.7, 10);
  });

  it('Jonas Valanciunas (no playoffs): his regular-season rates unchanged', () => {
    // regular: GP 49, FGM 9.9, FGA 17.7, FG3M 0.5, FG3A 1.6 → FG2M 9.4, FG2A 16.1
    const jonas = byName(merged, 'Jonas Valanciunas');
    expect(jonas.rates.fg2m).toBeCloseTo(9.4, 10);
    expect(jonas.rates.fg2a).toBeCloseTo(16.1, 10);
    expect(jonas.gpPlayoffs).toBe(0);
  });
});

describe('eligibility: MIN ≥ 800 or GP ≥ 40, over both season types', () => {
  const merged = mergeSeasonTypes(regular, playoffs, 2);

  it('counts playoff minutes and games', () => {
    // DeMarcus Cousins: 30 + 8 = 38 games; 770.58 + 133.16 = 903.74 minutes → eligible by minutes only
    const cousins = byName(merged, 'DeMarcus Cousins');
    expect(cousins.minutes).toBeCloseTo(770.5783333 + 133.1616667, 5);
    expect(isEligible(cousins)).toBe(true);
    expect(isEligible(cousins, { minMinutes: 950, minGames: 40 })).toBe(false);
    // Brad Wanamaker: 36 + 4 = 40 games, 342.6 + 17.2 = 359.8 minutes → eligible by games only
    expect(isEligible(byName(merged, 'Brad Wanamaker'))).toBe(true);
    expect(isEligible(byName(merged, 'Brad Wanamaker'), { minMinutes: 800, minGames: 41 })).toBe(false);
  });

  it('Bruno Caboclo misses by a third of a minute (34 games, 799.70 minutes)', () => {
    expect(isEligible(byName(merged, 'Bruno Caboclo'))).toBe(false);
    expect(isEligible(byName(merged, 'Bruno Caboclo'), { minMinutes: 799.7, minGames: 40 })).toBe(true);
  });
});

describe('standardise', () => {
  it('matches a hand-computed case: [1, 2, 3] has mean 2 and population sd √(2/3)', () => {
    const { z, means, stdevs } = standardise([
      [1, 5],
      [2, 5],
      [3, 5],
    ]);
    expect(means).toEqual([2, 5]);
    expect(stdevs[0]).toBeCloseTo(Math.sqrt(2 / 3), 12);
    // (1 − 2) / 0.816497 = −1.224745; the constant column becomes zeros instead of NaN
    expect(z.map((row) => row[0])).toEqual(
      [-Math.sqrt(3 / 2), 0, Math.sqrt(3 / 2)].map((v) => expect.closeTo(v, 12)),
    );
    expect(z.map((row) => row[1])).toEqual([0, 0, 0]);
  });
});

describe('reduceDimensions', () => {
  it('keeps the first component of two perfectly correlated columns and fixes its sign', () => {
    // Points on the line y = x: all variance on one component, loadings (1/√2, 1/√2).
    const z = [
      [-1, -1],
      [0, 0],
      [1, 1],
    ];
    const reduced = reduceDimensions(z, 0.9);
    expect(reduced.explainedVariance[0]).toBeCloseTo(1, 12);
    // At least two components are kept so there is always a 2-D projection.
    expect(reduced.components).toBe(2);
    // Scores are projections on (1/√2, 1/√2): −√2, 0, √2 with the positive-loading sign.
    expect(reduced.projection2d.map(([x]) => x)).toEqual(
      [-Math.SQRT2, 0, Math.SQRT2].map((v) => expect.closeTo(v, 10)),
    );
  });
});

describe('prepareFeatures on 2018-19', () => {
  const prepared = prepareFeatures(regular, playoffs);

  it('keeps the 365 eligible players and standardises every feature', () => {
    expect(prepared.players).toHaveLength(365);
    const n = prepared.players.length;
    for (let j = 0; j < prepared.features.length; j++) {
      const column = prepared.standardised.z.map((row) => row[j] as number);
      const mean = column.reduce((s, x) => s + x, 0) / n;
      const variance = column.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
      expect(mean).toBeCloseTo(0, 10);
      expect(variance).toBeCloseTo(1, 10);
    }
  });

  it("Gordon's standardised FG2M is his merged rate minus the eligible mean, over the sd", () => {
    const j = prepared.features.indexOf('fg2m');
    const i = prepared.players.findIndex((p) => p.playerName === 'Aaron Gordon');
    const expected =
      (412.6 / 88 - (prepared.standardised.means[j] as number)) / (prepared.standardised.stdevs[j] as number);
    expect(prepared.standardised.z[i]?.[j]).toBeCloseTo(expected, 10);
  });

  it('keeps the fewest components that explain 90% of the variance; each explains its share', () => {
    const { components, explainedVariance, modelSpace, standardised } = prepared;
    const cumulative = (k: number) => explainedVariance.slice(0, k).reduce((s, v) => s + v, 0);
    expect(cumulative(components)).toBeGreaterThanOrEqual(0.9);
    expect(cumulative(components - 1)).toBeLessThan(0.9);
    expect(modelSpace[0]).toHaveLength(components);
    // Variance of the scores on component 1 over total variance of the standardised data.
    const variance = (values: number[]) => {
      const mean = values.reduce((s, x) => s + x, 0) / values.length;
      return values.reduce((s, x) => s + (x - mean) ** 2, 0);
    };
    const total = prepared.features.reduce(
      (s, _, j) => s + variance(standardised.z.map((r) => r[j] as number)),
      0,
    );
    expect(variance(modelSpace.map((r) => r[0] as number)) / total).toBeCloseTo(
      explainedVariance[0] as number,
      8,
    );
    expect(prepared.projection2d[5]).toEqual([modelSpace[5]?.[0], modelSpace[5]?.[1]]);
  });

  it('is deterministic, and respects a different variance target', () => {
    expect(prepareFeatures(regular, playoffs).modelSpace).toEqual(prepared.modelSpace);
    expect(prepareFeatures(regular, playoffs, { varianceToKeep: 0.5 }).components).toBeLessThan(
      prepared.components,
    );
  });
});
