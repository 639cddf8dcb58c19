import { NOISE, type Points, squaredDistance } from './clusterers/types.js';

/**
 * Internal scores of a clustering, computed on the points the clusterer saw.
 *
 * Noise convention: points labelled NOISE (DBSCAN) are left out of silhouette,
 * Calinski–Harabasz and Davies–Bouldin — the scores describe the clusters that were found —
 * and are reported separately as `noiseShare`. A score is null when it is undefined
 * (fewer than two clusters, or as many clusters as clustered points for silhouette).
 * Formulas and edge cases follow scikit-learn's implementations.
 */
export interface ClusterMetrics {
  silhouette: number | null;
  calinskiHarabasz: number | null;
  daviesBouldin: number | null;
  /** Clusters found, noise not counted. */
  clusters: number;
  /** Share of points labelled noise, in [0, 1]. */
  noiseShare: number;
  /**
   * Size of the smallest cluster as a share of the clustered (non-noise) points, in [0, 1];
   * 0 when there is no cluster. Lets the best-run rule refuse splits that isolate a few outliers.
   */
  smallestClusterShare: number;
}

interface Grouped {
  points: (readonly number[])[];
  labels: number[];
  /** Number of distinct clusters; labels are renumbered 0..k−1. */
  k: number;
}

/** Drops noise and renumbers the remaining labels densely. */
function withoutNoise(points: Points, labels: readonly number[]): Grouped {
  if (points.length !== labels.length) {
    throw new RangeError(`${points.length} points but ${labels.length} labels`);
  }
  const mapping = new Map<number, number>();
  const kept: Grouped = { points: [], labels: [], k: 0 };
  labels.forEach((label, i) => {
    if (label === NOISE) return;
    if (!mapping.has(label)) mapping.set(label, mapping.size);
    kept.points.push(points[i] as number[]);
    kept.labels.push(mapping.get(label) as number);
  });
  kept.k = mapping.size;
  return kept;
}

function centroids({ points, labels, k }: Grouped): { centres: number[][]; sizes: number[] } {
  const d = points[0]?.length ?? 0;
  const centres = Array.from({ length: k }, () => new Array<number>(d).fill(0));
  const sizes = new Array<number>(k).fill(0);
  points.forEach((p, i) => {
    const c = labels[i] as number;
    sizes[c] = (sizes[c] as number) + 1;
    const centre = centres[c] as number[];
    for (let j = 0; j < d; j++) centre[j] = (centre[j] as number) + (p[j] as number);
  });
  centres.forEach((centre, c) => {
    for (let j = 0; j < d; j++) centre[j] = (centre[j] as number) / (sizes[c] as number);
  });
  return { centres, sizes };
}

/**
 * Mean over points of (b − a) / max(a, b), a the mean distance to the point's own cluster,
 * b the smallest mean distance to another cluster; a point alone in its cluster scores 0.
 */
export function silhouette(points: Points, labels: readonly number[]): number | null {
  const g = withoutNoise(points, labels);
  const n = g.points.length;
  if (g.k < 2 || g.k > n - 1) return null;
  const sizes = new Array<number>(g.k).fill(0);
  for (const l of g.labels) sizes[l] = (sizes[l] as number) + 1;
  // sums[i][c] = Σ distance from point i to the points of cluster c; the matrix is symmetric.
  const sums = Array.from({ length: n }, () => new Array<number>(g.k).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const distance = Math.sqrt(squaredDistance(g.points[i] as number[], g.points[j] as number[]));
      const si = sums[i] as number[];
      const sj = sums[j] as number[];
      si[g.labels[j] as number] = (si[g.labels[j] as number] as number) + distance;
      sj[g.labels[i] as number] = (sj[g.labels[i] as number] as number) + distance;
    }
  }
  let total = 0;
  for (let i = 0; i < n; i++) {
    const own = g.labels[i] as number;
    const ownSize = sizes[own] as number;
    if (ownSize === 1) continue;
    const a = ((sums[i] as number[])[own] as number) / (ownSize - 1);
    let b = Number.POSITIVE_INFINITY;
    for (let c = 0; c < g.k; c++) {
      if (c !== own) b = Math.min(b, ((sums[i] as number[])[c] as number) / (sizes[c] as number));
    }
    const denominator = Math.max(a, b);
    total += denominator > 0 ? (b - a) / denominator : 0;
  }
  return total / n;
}

/** Between-cluster dispersion / (k − 1) over within-cluster dispersion / (n − k); higher is better. */
export function calinskiHarabasz(points: Points, labels: readonly number[]): number | null {
  const g = withoutNoise(points, labels);
  const n = g.points.length;
  if (g.k < 2 || g.k >= n) return null;
  const { centres, sizes } = centroids(g);
  const overall = centroids({ points: g.points, labels: g.labels.map(() => 0), k: 1 }).centres[0] as number[];
  let between = 0;
  centres.forEach((centre, c) => {
    between += (sizes[c] as number) * squaredDistance(centre, overall);
  });
  let within = 0;
  g.points.forEach((p, i) => {
    within += squaredDistance(p, centres[g.labels[i] as number] as number[]);
  });
  // scikit-learn's convention for perfectly tight clusters.
  if (within === 0) return 1;
  return (between * (n - g.k)) / (within * (g.k - 1));
}

/**
 * Mean over clusters of the worst ratio (sᵢ + sⱼ) / d(cᵢ, cⱼ), s the mean distance of a
 * cluster's points to its centroid; lower is better.
 */
export function daviesBouldin(points: Points, labels: readonly number[]): number | null {
  const g = withoutNoise(points, labels);
  if (g.k < 2) return null;
  const { centres, sizes } = centroids(g);
  const spread = new Array<number>(g.k).fill(0);
  g.points.forEach((p, i) => {
    const c = g.labels[i] as number;
    spread[c] = (spread[c] as number) + Math.sqrt(squaredDistance(p, centres[c] as number[]));
  });
  for (let c = 0; c < g.k; c++) spread[c] = (spread[c] as number) / (sizes[c] as number);
  let total = 0;
  for (let i = 0; i < g.k; i++) {
    let worst = 0;
    for (let j = 0; j < g.k; j++) {
      if (i === j) continue;
      const separation = Math.sqrt(squaredDistance(centres[i] as number[], centres[j] as number[]));
      // Coinciding centroids: scikit-learn counts the ratio as 0 rather than infinity.
      const ratio = separation > 0 ? ((spread[i] as number) + (spread[j] as number)) / separation : 0;
      worst = Math.max(worst, ratio);
    }
    total += worst;
  }
  return total / g.k;
}

export function scoreClustering(points: Points, labels: readonly number[]): ClusterMetrics {
  const noise = labels.filter((l) => l === NOISE).length;
  const sizes = new Map<number, number>();
  for (const label of labels) if (label !== NOISE) sizes.set(label, (sizes.get(label) ?? 0) + 1);
  const clustered = labels.length - noise;
  return {
    silhouette: silhouette(points, labels),
    calinskiHarabasz: calinskiHarabasz(points, labels),
    daviesBouldin: daviesBouldin(points, labels),
    clusters: new Set(labels.filter((l) => l !== NOISE)).size,
    noiseShare: labels.length === 0 ? 0 : noise / labels.length,
    smallestClusterShare: clustered === 0 ? 0 : Math.min(...sizes.values()) / clustered,
  };
}

const pairs = (m: number) => (m * (m - 1)) / 2;

/**
 * Adjusted Rand index (Hubert & Arabie 1985) between two labelings of the same points;
 * every label value, NOISE included, is treated as a group of its own. 1 = identical partitions.
 */
export function adjustedRandIndex(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new RangeError(`labelings differ in length: ${a.length} vs ${b.length}`);
  const n = a.length;
  if (n < 2) return 1;
  const cells = new Map<string, number>();
  const rows = new Map<number, number>();
  const columns = new Map<number, number>();
  a.forEach((x, i) => {
    const y = b[i] as number;
    cells.set(`${x}|${y}`, (cells.get(`${x}|${y}`) ?? 0) + 1);
    rows.set(x, (rows.get(x) ?? 0) + 1);
    columns.set(y, (columns.get(y) ?? 0) + 1);
  });
  const index = [...cells.values()].reduce((s, m) => s + pairs(m), 0);
  const rowPairs = [...rows.values()].reduce((s, m) => s + pairs(m), 0);
  const columnPairs = [...columns.values()].reduce((s, m) => s + pairs(m), 0);
  const expected = (rowPairs * columnPairs) / pairs(n);
  const maximum = (rowPairs + columnPairs) / 2;
  // Both labelings put everything in one group (or each point alone): identical, by convention 1.
  if (maximum === expected) return 1;
  return (index - expected) / (maximum - expected);
}
