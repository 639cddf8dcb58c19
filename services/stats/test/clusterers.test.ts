import { describe, expect, it } from 'vitest';
import { runAgglomerative } from '../src/domain/clusterers/agglomerative.js';
import { runDbscan } from '../src/domain/clusterers/dbscan.js';
import { fitGaussianMixture, runGaussianMixture } from '../src/domain/clusterers/gaussianMixture.js';
import { runKMeans } from '../src/domain/clusterers/kmeans.js';
import { NOISE } from '../src/domain/clusterers/types.js';
import { adjustedRandIndex } from '../src/domain/metrics.js';
import { gaussianBlobs, threeBlobs } from './helpers/blobs.js';

const blobs = threeBlobs(7);

describe('each clusterer recovers seeded Gaussian blobs (ARI ≥ 0.9)', () => {
  it.each([
    ['k-means', () => runKMeans(blobs.points, { k: 3 }, 1)],
    ['agglomerative ward', () => runAgglomerative(blobs.points, { k: 3, linkage: 'ward' })],
    ['agglomerative average', () => runAgglomerative(blobs.points, { k: 3, linkage: 'average' })],
    ['DBSCAN', () => runDbscan(blobs.points, { eps: 1.5, minSamples: 5 })],
    ['Gaussian mixture, full', () => runGaussianMixture(blobs.points, { k: 3, covariance: 'full' }, 1)],
    ['Gaussian mixture, diagonal', () => runGaussianMixture(blobs.points, { k: 3, covariance: 'diag' }, 1)],
  ])('%s', (_, run) => {
    const { labels } = run();
    expect(labels).toHaveLength(blobs.labels.length);
    expect(adjustedRandIndex(blobs.labels, labels)).toBeGreaterThanOrEqual(0.9);
  });

  it('a full-covariance mixture separates two parallel elongated clusters that k-means cuts across', () => {
    // Two long thin clusters along x (sd 6 along, 0.5 across), 3 apart: nearest-centre cuts fail.
    const flat = gaussianBlobs(
      [
        [0, 0],
        [0, 3],
      ],
      150,
      1,
      11,
    );
    const points = flat.points.map(([x = 0, y = 0], i) => [
      x * 6,
      (flat.labels[i] as number) * 3 + (y - (flat.labels[i] as number) * 3) * 0.5,
    ]);
    const gmm = runGaussianMixture(points, { k: 2, covariance: 'full', nInit: 3 }, 3);
    const km = runKMeans(points, { k: 2 }, 3);
    expect(adjustedRandIndex(flat.labels, gmm.labels)).toBeGreaterThanOrEqual(0.9);
    expect(adjustedRandIndex(flat.labels, km.labels)).toBeLessThan(0.5);
  });
});

describe('determinism', () => {
  const other = threeBlobs(8);
  it.each([
    ['k-means', (seed: number) => runKMeans(other.points, { k: 4, nInit: 2 }, seed).labels],
    [
      'Gaussian mixture',
      (seed: number) => runGaussianMixture(other.points, { k: 4, covariance: 'full' }, seed).labels,
    ],
    ['agglomerative', () => runAgglomerative(other.points, { k: 4, linkage: 'average' }).labels],
    ['DBSCAN', () => runDbscan(other.points, { eps: 1, minSamples: 4 }).labels],
  ])('%s: same seed, same labels', (_, run) => {
    expect(run(42)).toEqual(run(42));
  });

  it('a different seed can start the mixture elsewhere (the seed is really used)', () => {
    // With k = 6 on 3 blobs the split of the surplus components depends on the start.
    const fits = [1, 2, 3, 4, 5].map((seed) =>
      fitGaussianMixture(other.points, { k: 6, covariance: 'diag' }, seed),
    );
    expect(new Set(fits.map((f) => f.logLikelihood.toFixed(6))).size).toBeGreaterThan(1);
  });
});

describe('Gaussian mixture EM', () => {
  it('never decreases the log-likelihood (no regularisation: plain maximum likelihood)', () => {
    const fit = fitGaussianMixture(
      blobs.points,
      { k: 4, covariance: 'full', regularization: 0, tolerance: 0, maxIterations: 60 },
      5,
    );
    expect(fit.history.length).toBeGreaterThan(5);
    fit.history.slice(1).forEach((step, i) => {
      const before = fit.history[i]?.logLikelihood as number;
      // Only floating-point rounding may go the wrong way.
      expect(step.logLikelihood).toBeGreaterThanOrEqual(before - 1e-9 * Math.abs(before));
    });
  });

  it.each(['full', 'diag'] as const)(
    'never decreases the penalised objective (%s, regularised)',
    (covariance) => {
      const fit = fitGaussianMixture(
        threeBlobs(9).points,
        { k: 5, covariance, regularization: 0.5, tolerance: 0, maxIterations: 60 },
        2,
      );
      fit.history.slice(1).forEach((step, i) => {
        const before = fit.history[i]?.objective as number;
        expect(step.objective).toBeGreaterThanOrEqual(before - 1e-9 * Math.abs(before));
      });
      expect(fit.objective).toBeLessThan(fit.logLikelihood);
    },
  );

  it('survives a component on a single point thanks to regularisation', () => {
    // Two identical pairs and one lone point: with k = 3 one component owns just the lone point.
    const points = [
      [0, 0],
      [0.1, 0],
      [5, 5],
      [5.1, 5],
      [20, 20],
    ];
    const fit = fitGaussianMixture(points, { k: 3, covariance: 'full', regularization: 1e-3 }, 0);
    expect(Number.isFinite(fit.logLikelihood)).toBe(true);
    expect(fit.weights.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 12);
  });

  it('recovers the blob means and weights', () => {
    const fit = fitGaussianMixture(blobs.points, { k: 3, covariance: 'full' }, 1);
    const sorted = fit.means
      .map((m) => m.map((v) => Math.round(v) + 0))
      .sort((a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number));
    expect(sorted).toEqual([
      [0, 0, 0],
      [0, 8, -2],
      [8, 0, 2],
    ]);
    for (const w of fit.weights) expect(w).toBeCloseTo(1 / 3, 2);
    expect(fit.converged).toBe(true);
  });
});

describe('DBSCAN', () => {
  it('labels an isolated point as noise and keeps border points', () => {
    // Core points need 3 neighbours within 1.1 (themselves included).
    // 0,1,2 form a chain: 1 is core (0, 1, 2 within reach); 0 and 2 are border; 10 is noise.
    const { labels } = runDbscan([[0], [1], [2], [10]], { eps: 1.1, minSamples: 3 });
    expect(labels).toEqual([0, 0, 0, NOISE]);
  });
});
