import { describe, expect, it } from 'vitest';
import { kDistances } from '../src/domain/clusterers/dbscan.js';
import { adjustedRandIndex } from '../src/domain/metrics.js';
import { bestRun, DEFAULT_SEARCH_SPACE, searchCandidates, searchSteps } from '../src/domain/search.js';
import { threeBlobs } from './helpers/blobs.js';

const blobs = threeBlobs(21);

describe('hyperparameter search', () => {
  it('on three blobs, the best run by silhouette finds the three blobs', () => {
    const runs = [
      ...searchSteps(
        blobs.points,
        { ...DEFAULT_SEARCH_SPACE, clusterers: ['kmeans', 'agglomerative', 'dbscan'] },
        1,
      ),
    ];
    const best = bestRun(runs);
    expect(best?.metrics.clusters).toBe(3);
    expect(adjustedRandIndex(blobs.labels, best?.labels ?? [])).toBeGreaterThanOrEqual(0.9);

    // Why noise is penalised: ranked by the noise-free silhouette alone, a DBSCAN run that
    // drops the blobs' outskirts as noise looks best while recovering the blobs worse.
    const naive = bestRun(runs, { penaliseNoise: false });
    expect(naive?.clusterer).toBe('dbscan');
    expect(naive?.metrics.noiseShare).toBeGreaterThan(0.1);
    expect(naive?.metrics.silhouette).toBeGreaterThan(best?.metrics.silhouette as number);
  });

  it('resolves DBSCAN eps from the k-distance curve of the data', () => {
    const space = {
      ...DEFAULT_SEARCH_SPACE,
      clusterers: ['dbscan'] as const,
      dbscan: { minSamples: [5], epsQuantiles: [0.5] },
    };
    const [candidate] = searchCandidates(blobs.points, space, 0);
    // Median (index floor(0.5·179) = 89) of the distances to each point's 5th neighbour, itself included.
    const median = kDistances(blobs.points, 5)[89] as number;
    expect(candidate?.params).toEqual({ eps: Number(median.toPrecision(4)), minSamples: 5 });
  });

  it('seeded random search draws a reproducible subset of the grid', () => {
    const space = {
      ...DEFAULT_SEARCH_SPACE,
      clusterers: ['kmeans', 'gaussianMixture'] as const,
      maxCandidatesPerClusterer: 4,
    };
    const first = searchCandidates(blobs.points, space, 3);
    expect(first).toHaveLength(8);
    expect(searchCandidates(blobs.points, space, 3)).toEqual(first);
    const draws = [4, 5, 6, 7].map((seed) => JSON.stringify(searchCandidates(blobs.points, space, seed)));
    expect(new Set([JSON.stringify(first), ...draws]).size).toBeGreaterThan(1);
  });

  it('prefers runs with at least three clusters, noise counting as silhouette 0', () => {
    const metrics = (silhouette: number, clusters: number, noiseShare = 0, smallestClusterShare = 0.2) => ({
      silhouette,
      calinskiHarabasz: 1,
      daviesBouldin: 1,
      clusters,
      noiseShare,
      smallestClusterShare,
    });
    // 0.8 × (1 − 0.3) = 0.56 < 0.6
    const runs = [
      { metrics: metrics(0.9, 2) },
      { metrics: metrics(0.5, 3) },
      { metrics: metrics(0.6, 4) },
      { metrics: metrics(0.8, 3, 0.3) },
    ];
    expect(bestRun(runs)).toBe(runs[2]);
    expect(bestRun(runs, { penaliseNoise: false })).toBe(runs[3]);
    expect(bestRun(runs, { minClusters: 2 })).toBe(runs[0]);
  });

  it('refuses runs with a cluster below the minimum share of clustered players', () => {
    const metrics = (silhouette: number, smallestClusterShare: number) => ({
      silhouette,
      calinskiHarabasz: 1,
      daviesBouldin: 1,
      clusters: 3,
      noiseShare: 0,
      smallestClusterShare,
    });
    const runs = [
      { metrics: metrics(0.9, 0.01) },
      { metrics: metrics(0.5, 0.05) },
      { metrics: metrics(0.4, 0.3) },
    ];
    expect(bestRun(runs)).toBe(runs[1]);
    expect(bestRun(runs, { minClusterShare: 0.1 })).toBe(runs[2]);
    expect(bestRun(runs, { minClusterShare: 0 })).toBe(runs[0]);
  });
});
