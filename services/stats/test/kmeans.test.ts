import fc from 'fast-check';
import { kmeans } from 'ml-kmeans';
import { describe, expect, it } from 'vitest';
import { greedyKMeansPlusPlus, kmeansStarts, lloyd, runKMeans } from '../src/domain/clusterers/kmeans.js';
import { packPoints } from '../src/domain/clusterers/types.js';
import { parseLeagueDash } from '../src/domain/parse.js';
import { restartStream } from '../src/domain/random.js';
import { prepareFeatures } from '../src/domain/transform.js';
import { randomPoints } from './helpers/randomPoints.js';
import { referenceGreedyKMeansPlusPlus } from './helpers/reference/kmeansPlusPlus.js';
import { readNbaJson } from './helpers/sharedData.js';

const season = () =>
  prepareFeatures(
    parseLeagueDash(readNbaJson('leaguedashplayerstats_2018-19_regular_per36.resultsets.json')).rows,
    parseLeagueDash(readNbaJson('leaguedashplayerstats_2018-19_playoffs_per36.resultsets.json')).rows,
  ).modelSpace;

const input = fc
  .record({
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    n: fc.integer({ min: 1, max: 40 }),
    d: fc.integer({ min: 1, max: 4 }),
    k: fc.integer({ min: 1, max: 6 }),
    // Coarse grids make duplicate points and tied distances, fine ones do not.
    grid: fc.constantFrom(0, 0.5, 1),
  })
  .filter(({ n, k }) => k <= n)
  .map(({ seed, n, d, k, grid }) => {
    const raw = randomPoints(seed, n, d, 2);
    const points = grid ? raw.map((p) => p.map((x) => Math.round(x / grid) * grid)) : raw;
    return { seed, points, k };
  });

describe('k-means', () => {
  it("runs Lloyd's iterations exactly as ml-kmeans does from the same start", () => {
    fc.assert(
      fc.property(input, fc.integer({ min: 1, max: 50 }), ({ seed, points, k }, maxIterations) => {
        const { data, d } = packPoints(points);
        const start = greedyKMeansPlusPlus(data, d, k, restartStream(seed, 'test', 0));
        const initial = new Float64Array(k * d);
        start.forEach((p, c) => initial.set(data.subarray(p * d, p * d + d), c * d));
        const ours = lloyd(data, d, initial, maxIterations);
        const theirs = kmeans(
          points.map((p) => [...p]),
          k,
          { initialization: Array.from(start, (p) => [...(points[p] as number[])]), maxIterations },
        );
        expect(Array.from(ours.labels)).toEqual(theirs.clusters);
        expect(Array.from(ours.centres)).toEqual(theirs.centroids.flat());
        expect(ours.iterations).toBe(theirs.iterations);
      }),
      { numRuns: 300 },
    );
  });

  it('seeds greedy k-means++ as a plain reference implementation does, draw for draw', () => {
    fc.assert(
      fc.property(input, ({ seed, points, k }) => {
        const { data, d } = packPoints(points);
        const ours = greedyKMeansPlusPlus(data, d, k, restartStream(seed, 'test', 1));
        expect(Array.from(ours)).toEqual(referenceGreedyKMeansPlusPlus(points, k, restartStream(seed, 'test', 1)));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the lowest-inertia restart and is reproducible from its seed', () => {
    const points = season();
    const result = runKMeans(points, { k: 5, nInit: 4 }, 11);
    expect(runKMeans(points, { k: 5, nInit: 4 }, 11)).toEqual(result);
    const { data, d } = packPoints(points);
    const inertias = kmeansStarts(points, 5, 4, 11).map((start) => {
      const initial = new Float64Array(5 * d);
      start.forEach((p, c) => initial.set(data.subarray(p * d, p * d + d), c * d));
      return lloyd(data, d, initial, 300).inertia;
    });
    expect(result.diagnostics.inertia).toBe(Math.min(...inertias));
  });

  it('seeds s and s + 1 share no initialisation (restarts draw from streams keyed by seed and restart)', () => {
    const points = season();
    for (let seed = 0; seed < 20; seed++) {
      const key = (start: Int32Array) => Array.from(start).join(',');
      const mine = new Set(kmeansStarts(points, 6, 10, seed).map(key));
      expect(mine.size).toBe(10);
      for (const start of kmeansStarts(points, 6, 10, seed + 1)) expect(mine.has(key(start))).toBe(false);
    }
  });
});
