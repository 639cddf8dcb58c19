import { kmeans } from 'ml-kmeans';
import { assertPoints, type ClusterResult, canonicalLabels, type Points, squaredDistance } from './types.js';

export interface KMeansParams {
  k: number;
  /** Independent k-means++ starts; the lowest inertia wins (k-means only finds local optima). */
  nInit?: number;
  maxIterations?: number;
}

/** k-means (ml-kmeans, k-means++ init). Start i uses seed + i, so a seed fixes the result. */
export function runKMeans(points: Points, params: KMeansParams, seed: number): ClusterResult {
  const { k, nInit = 10, maxIterations = 300 } = params;
  assertPoints(points, k);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  const data = points.map((p) => [...p]);
  let best: { labels: number[]; inertia: number; iterations: number } | undefined;
  for (let start = 0; start < nInit; start++) {
    const result = kmeans(data, k, { seed: seed + start, initialization: 'kmeans++', maxIterations });
    const inertia = data.reduce(
      (sum, p, i) => sum + squaredDistance(p, result.centroids[result.clusters[i] as number] as number[]),
      0,
    );
    if (!best || inertia < best.inertia)
      best = { labels: result.clusters, inertia, iterations: result.iterations };
  }
  const chosen = best as NonNullable<typeof best>;
  return {
    labels: canonicalLabels(chosen.labels),
    diagnostics: { inertia: chosen.inertia, iterations: chosen.iterations },
  };
}
