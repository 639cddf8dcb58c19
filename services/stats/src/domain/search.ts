import { Random } from 'ml-random';
import { buildDendrogram, cutDendrogram, type Dendrogram, type Linkage } from './clusterers/agglomerative.js';
import { kDistances, runDbscan } from './clusterers/dbscan.js';
import { type CovarianceType, runGaussianMixture } from './clusterers/gaussianMixture.js';
import { runKMeans } from './clusterers/kmeans.js';
import type { ClusterResult, Points } from './clusterers/types.js';
import { type ClusterMetrics, scoreClustering } from './metrics.js';

/** Hyperparameter search: a grid per clusterer, optionally thinned by a seeded random draw. */

export type ClustererName = 'kmeans' | 'agglomerative' | 'dbscan' | 'gaussianMixture';
export const CLUSTERERS: readonly ClustererName[] = ['kmeans', 'agglomerative', 'dbscan', 'gaussianMixture'];

export type RunParams = Record<string, number | string>;

export interface SearchSpace {
  kmeans: { k: number[]; nInit: number };
  agglomerative: { k: number[]; linkage: Linkage[] };
  /**
   * eps is data-dependent, so it is given as quantiles of the k-distance curve
   * (distance of each point to its minSamples-th neighbour) and resolved per data set.
   */
  dbscan: { minSamples: number[]; epsQuantiles: number[] };
  gaussianMixture: {
    k: number[];
    covariance: CovarianceType[];
    nInit: number;
    regularization: number;
    tolerance: number;
  };
  /** When set, at most this many candidates per clusterer, drawn with the search seed. */
  maxCandidatesPerClusterer?: number;
  /** Which clusterers to run; all by default. */
  clusterers?: readonly ClustererName[];
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export const DEFAULT_SEARCH_SPACE: SearchSpace = {
  kmeans: { k: range(2, 10), nInit: 10 },
  agglomerative: { k: range(2, 10), linkage: ['ward', 'average'] },
  dbscan: { minSamples: [4, 8, 12], epsQuantiles: [0.5, 0.7, 0.8, 0.9, 0.95] },
  gaussianMixture: {
    k: range(2, 8),
    covariance: ['full', 'diag'],
    nInit: 3,
    regularization: 1e-4,
    tolerance: 1e-5,
  },
};

export interface Candidate {
  clusterer: ClustererName;
  params: RunParams;
}

export interface SearchRun extends Candidate {
  /** One label per point, NOISE (−1) for DBSCAN noise. */
  labels: number[];
  metrics: ClusterMetrics;
  diagnostics: Record<string, number>;
}

function dbscanCandidates(points: Points, space: SearchSpace['dbscan']): Candidate[] {
  const out: Candidate[] = [];
  for (const minSamples of space.minSamples) {
    if (minSamples > points.length) continue;
    const curve = kDistances(points, minSamples);
    const seen = new Set<number>();
    for (const q of space.epsQuantiles) {
      const raw = curve[Math.min(curve.length - 1, Math.floor(q * (curve.length - 1)))] as number;
      // Rounded so parameters read well in a table; duplicates after rounding are dropped.
      const eps = Number(raw.toPrecision(4));
      if (eps > 0 && !seen.has(eps)) {
        seen.add(eps);
        out.push({ clusterer: 'dbscan', params: { eps, minSamples } });
      }
    }
  }
  return out;
}

/** Every candidate to run, in a fixed order (clusterer, then grid order). */
export function searchCandidates(points: Points, space: SearchSpace, seed: number): Candidate[] {
  const n = points.length;
  const byClusterer: Record<ClustererName, () => Candidate[]> = {
    kmeans: () =>
      space.kmeans.k
        .filter((k) => k <= n)
        .map((k) => ({ clusterer: 'kmeans', params: { k, nInit: space.kmeans.nInit } })),
    agglomerative: () =>
      space.agglomerative.linkage.flatMap((linkage) =>
        space.agglomerative.k
          .filter((k) => k <= n)
          .map((k) => ({ clusterer: 'agglomerative' as const, params: { k, linkage } })),
      ),
    dbscan: () => dbscanCandidates(points, space.dbscan),
    gaussianMixture: () => {
      const { k: ks, covariance, ...rest } = space.gaussianMixture;
      return covariance.flatMap((cov) =>
        ks
          .filter((k) => k <= n)
          .map((k) => ({ clusterer: 'gaussianMixture' as const, params: { k, covariance: cov, ...rest } })),
      );
    },
  };
  const random = new Random(seed);
  return (space.clusterers ?? CLUSTERERS).flatMap((name) => {
    const grid = byClusterer[name]();
    const limit = space.maxCandidatesPerClusterer;
    if (limit === undefined || grid.length <= limit) return grid;
    // Seeded random search: draw indices, keep grid order for readable output.
    const picked = new Set(random.choice(grid.length, { size: limit, replace: false }));
    return grid.filter((_, i) => picked.has(i));
  });
}

/** The whole search for one space and seed, one run at a time. */
export function searchSteps(
  points: Points,
  space: SearchSpace = DEFAULT_SEARCH_SPACE,
  seed = 0,
): Generator<SearchRun, void, undefined> {
  return runCandidates(points, searchCandidates(points, space, seed), seed);
}

/** Runs candidates one at a time so a caller can report progress or yield between them. */
export function* runCandidates(
  points: Points,
  candidates: readonly Candidate[],
  seed: number,
): Generator<SearchRun, void, undefined> {
  // The dendrogram does not depend on k: built once per linkage and cut for each k.
  const trees = new Map<string, Dendrogram>();
  for (const candidate of candidates) {
    const result = fitCandidate(points, candidate, seed, trees);
    yield {
      ...candidate,
      labels: result.labels,
      metrics: scoreClustering(points, result.labels),
      diagnostics: result.diagnostics,
    };
  }
}

/**
 * Fits one candidate. `trees` holds the dendrograms already built for these points, by linkage
 * (a search cuts one tree for every k); a fresh map builds the tree, as a single fit does.
 */
export function fitCandidate(
  points: Points,
  candidate: Candidate,
  seed: number,
  trees: Map<string, Dendrogram> = new Map(),
): ClusterResult {
  const { params } = candidate;
  switch (candidate.clusterer) {
    case 'kmeans':
      return runKMeans(points, { k: params.k as number, nInit: params.nInit as number }, seed);
    case 'agglomerative': {
      const linkage = params.linkage as Linkage;
      let tree = trees.get(linkage);
      if (!tree) {
        tree = buildDendrogram(points, linkage);
        trees.set(linkage, tree);
      }
      return cutDendrogram(tree, params.k as number, points.length);
    }
    case 'dbscan':
      return runDbscan(points, { eps: params.eps as number, minSamples: params.minSamples as number });
    case 'gaussianMixture':
      return runGaussianMixture(
        points,
        {
          k: params.k as number,
          covariance: params.covariance as CovarianceType,
          nInit: params.nInit as number,
          regularization: params.regularization as number,
          tolerance: params.tolerance as number,
        },
        seed,
      );
  }
}

export interface BestRunOptions {
  /** Runs with fewer clusters say little about player roles. Default 3. */
  minClusters?: number;
  /**
   * Silhouette leaves noise out (see metrics.ts), so DBSCAN could win by declaring the hard
   * points noise. When true (default) runs are ranked by silhouette × (1 − noise share), i.e. noise
   * points count as silhouette 0; for runs without noise this is the plain silhouette.
   */
  penaliseNoise?: boolean;
  /**
   * Every cluster must hold at least this share of the clustered players (default 0.05).
   * Without it, average linkage wins on 2018-19 by splitting 360/1/4: a high silhouette for
   * isolating five outliers, which says nothing about player roles. 0 disables the rule.
   */
  minClusterShare?: number;
}

export const DEFAULT_MIN_CLUSTER_SHARE = 0.05;

/** Whether a run may be chosen as best at all (enough clusters, none of them tiny). */
export function isEligibleForBest(
  metrics: ClusterMetrics,
  { minClusters = 3, minClusterShare = DEFAULT_MIN_CLUSTER_SHARE }: BestRunOptions = {},
): boolean {
  // A hair of tolerance so that "exactly 5 %" passes despite floating-point division.
  return metrics.clusters >= minClusters && metrics.smallestClusterShare >= minClusterShare - 1e-12;
}

/** Ranking score used by `bestRun`; null when the run cannot be ranked. */
export function rankingScore(metrics: ClusterMetrics, penaliseNoise = true): number | null {
  if (metrics.silhouette === null) return null;
  return penaliseNoise ? metrics.silhouette * (1 - metrics.noiseShare) : metrics.silhouette;
}

/**
 * The run to promote by default: highest silhouette among runs with at least `minClusters`
 * clusters each holding at least `minClusterShare` of the clustered players, noise-penalised
 * as described above. Ties keep the earlier run.
 */
export function bestRun<T extends { metrics: ClusterMetrics }>(
  runs: readonly T[],
  options: BestRunOptions = {},
): T | undefined {
  const penaliseNoise = options.penaliseNoise ?? true;
  let best: { run: T; score: number } | undefined;
  for (const run of runs) {
    const score = rankingScore(run.metrics, penaliseNoise);
    if (score === null || !isEligibleForBest(run.metrics, options)) continue;
    if (!best || score > best.score) best = { run, score };
  }
  return best?.run;
}
