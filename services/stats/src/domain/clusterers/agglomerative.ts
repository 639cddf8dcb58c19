import { agnes, type Cluster } from 'ml-hclust';
import { assertPoints, type ClusterResult, canonicalLabels, type Points } from './types.js';

export type Linkage = 'ward' | 'average';

export interface AgglomerativeParams {
  k: number;
  linkage: Linkage;
}

/**
 * ml-hclust's `ward` applies the Lance–Williams Ward update to plain distances (R's ward.D);
 * `ward2` applies it to squared distances, which is Ward's minimum-variance criterion
 * (R's ward.D2, SciPy's and scikit-learn's `ward`). We mean the latter.
 */
const METHOD: Record<Linkage, 'ward2' | 'average'> = { ward: 'ward2', average: 'average' };

/** The full dendrogram; build once, cut for several k. Deterministic: no seed involved. */
export function buildDendrogram(points: Points, linkage: Linkage): Cluster {
  assertPoints(points, 1);
  return agnes(
    points.map((p) => [...p]),
    { method: METHOD[linkage] },
  );
}

/** Cut into k clusters by undoing the k−1 highest merges. */
export function cutDendrogram(tree: Cluster, k: number, n: number): ClusterResult {
  if (!Number.isInteger(k) || k < 1 || k > n)
    throw new RangeError(`k must be an integer in [1, ${n}], got ${k}`);
  const labels = new Array<number>(n).fill(-1);
  const groups = k === 1 ? [tree] : tree.group(k).children;
  groups.forEach((group, label) => {
    for (const index of group.indices()) labels[index] = label;
  });
  // Height of the highest merge kept: a large gap to the root's height means a clear cut.
  return {
    labels: canonicalLabels(labels),
    diagnostics: { highestKeptMerge: Math.max(...groups.map((g) => g.height)) },
  };
}

export function runAgglomerative(points: Points, params: AgglomerativeParams): ClusterResult {
  return cutDendrogram(buildDendrogram(points, params.linkage), params.k, points.length);
}
