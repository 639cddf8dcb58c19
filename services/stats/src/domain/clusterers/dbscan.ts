import { assertPoints, type ClusterResult, NOISE, packPoints, type Points, squaredDistance } from './types.js';

export interface DbscanParams {
  /** Neighbourhood radius (Euclidean). */
  eps: number;
  /** Points within eps, the point itself included, that make a core point (scikit-learn's convention). */
  minSamples: number;
}

/**
 * DBSCAN (Ester et al. 1996) on a precomputed neighbourhood list: O(n²) distances, fine for
 * a few thousand players. Deterministic: clusters grow from the lowest-index unvisited core
 * point, and a border point reachable from two clusters stays with the first that reached it.
 * (The `density-clustering` package is unmaintained and untyped, hence this small implementation.)
 */
export function runDbscan(points: Points, params: DbscanParams): ClusterResult {
  const { eps, minSamples } = params;
  if (!(eps > 0)) throw new RangeError(`eps must be > 0, got ${eps}`);
  if (!Number.isInteger(minSamples) || minSamples < 1)
    throw new RangeError(`minSamples must be a positive integer`);
  assertPoints(points, 1);
  const n = points.length;
  const eps2 = eps * eps;
  const neighbours: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    (neighbours[i] as number[]).push(i);
    for (let j = i + 1; j < n; j++) {
      if (squaredDistance(points[i] as number[], points[j] as number[]) <= eps2) {
        (neighbours[i] as number[]).push(j);
        (neighbours[j] as number[]).push(i);
      }
    }
  }
  const isCore = neighbours.map((list) => list.length >= minSamples);
  const labels = new Array<number>(n).fill(NOISE);
  let cluster = 0;
  for (let seed = 0; seed < n; seed++) {
    if (!isCore[seed] || labels[seed] !== NOISE) continue;
    labels[seed] = cluster;
    const queue = [seed];
    while (queue.length > 0) {
      const current = queue.pop() as number;
      // Only core points extend the cluster; border points join it but stop there.
      if (!isCore[current]) continue;
      for (const next of neighbours[current] as number[]) {
        if (labels[next] === NOISE) {
          labels[next] = cluster;
          queue.push(next);
        }
      }
    }
    cluster++;
  }
  const noise = labels.filter((l) => l === NOISE).length;
  return { labels, diagnostics: { corePoints: isCore.filter(Boolean).length, noisePoints: noise } };
}

/**
 * Distance from each point to its m-th nearest neighbour (itself counted as the first),
 * sorted ascending: the "k-distance" curve used to pick eps candidates for a given minSamples.
 * O(n²·d) for the distances plus O(n²·m) to select each point's m smallest (a sort for large m).
 */
export function kDistances(points: Points, m: number): number[] {
  const n = points.length;
  if (m < 1 || m > n) throw new RangeError(`m must be in [1, ${n}], got ${m}`);
  const { data, d } = packPoints(points);
  const squared = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let sum = 0;
      for (let a = 0; a < d; a++) {
        const diff = (data[i * d + a] as number) - (data[j * d + a] as number);
        sum += diff * diff;
      }
      squared[i * n + j] = sum;
      squared[j * n + i] = sum;
    }
  }
  const smallest = new Float64Array(m);
  const curve = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = squared.subarray(i * n, i * n + n);
    curve[i] = Math.sqrt(mthSmallest(row, m, smallest));
  }
  // A typed array sorts numerically, without a comparator.
  return Array.from(curve.sort());
}

/** The m-th smallest value of `values` (1-based), keeping the m smallest sorted in `buffer`. */
function mthSmallest(values: Float64Array, m: number, buffer: Float64Array): number {
  if (m > 64) return Float64Array.from(values).sort()[m - 1] as number;
  let count = 0;
  for (let j = 0; j < values.length; j++) {
    const v = values[j] as number;
    if (count === m && v >= (buffer[m - 1] as number)) continue;
    // Insertion into the sorted buffer, dropping its largest when full.
    let at = count < m ? count++ : m - 1;
    while (at > 0 && (buffer[at - 1] as number) > v) {
      buffer[at] = buffer[at - 1] as number;
      at--;
    }
    buffer[at] = v;
  }
  return buffer[m - 1] as number;
}
