import { restartStream, type Uniform } from '../random.js';
import { assertPoints, type ClusterResult, canonicalLabels, packPoints, type Points } from './types.js';

export interface KMeansParams {
  k: number;
  /** Independent k-means++ starts; the lowest inertia wins (k-means only finds local optima). */
  nInit?: number;
  maxIterations?: number;
}

/** Convergence: no centre moved by more than this squared distance (ml-kmeans's rule and default). */
export const KMEANS_TOLERANCE = 1e-6;

export interface LloydResult {
  labels: Int32Array;
  /** k·d, row-major. */
  centres: Float64Array;
  iterations: number;
  /** Sum of squared distances of the points to their label's centre. */
  inertia: number;
}

/**
 * Lloyd's iterations from the given centres (k·d, row-major), over row-major data (n·d).
 *
 * The semantics are those of ml-kmeans 7, which this replaces (test/kmeans.test.ts checks that
 * both give the same result from the same start): each step assigns every point to its nearest
 * centre (squared Euclidean; the first on ties) and moves each centre to the mean of its points
 * (an empty cluster keeps its centre); it stops once no centre moved by more than `tolerance`
 * (squared distance) or after `maxIterations` steps. The labels are those of the last assignment,
 * the centres the means computed from it, and the inertia is measured against those centres.
 */
export function lloyd(
  data: Float64Array,
  d: number,
  initial: Float64Array,
  maxIterations: number,
  tolerance = KMEANS_TOLERANCE,
): LloydResult {
  const n = data.length / d;
  const k = initial.length / d;
  let centres = Float64Array.from(initial);
  let next = new Float64Array(k * d);
  const counts = new Float64Array(k);
  const labels = new Int32Array(n);
  let iterations = 0;
  let converged = false;
  while (!converged && iterations < maxIterations) {
    iterations++;
    for (let i = 0; i < n; i++) {
      const row = i * d;
      let best = -1;
      let bestDistance = Number.MAX_VALUE;
      for (let c = 0; c < k; c++) {
        const centre = c * d;
        let distance = 0;
        for (let j = 0; j < d; j++) {
          const diff = (data[row + j] as number) - (centres[centre + j] as number);
          distance += diff * diff;
        }
        if (distance < bestDistance) {
          bestDistance = distance;
          best = c;
        }
      }
      labels[i] = best;
    }
    next.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = labels[i] as number;
      counts[c] = (counts[c] as number) + 1;
      for (let j = 0; j < d; j++) next[c * d + j] = (next[c * d + j] as number) + (data[i * d + j] as number);
    }
    converged = true;
    for (let c = 0; c < k; c++) {
      const count = counts[c] as number;
      let shift = 0;
      for (let j = 0; j < d; j++) {
        const at = c * d + j;
        next[at] = count ? (next[at] as number) / count : (centres[at] as number);
        const diff = (next[at] as number) - (centres[at] as number);
        shift += diff * diff;
      }
      if (shift > tolerance) converged = false;
    }
    [centres, next] = [next, centres];
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    const centre = (labels[i] as number) * d;
    let distance = 0;
    for (let j = 0; j < d; j++) {
      const diff = (data[i * d + j] as number) - (centres[centre + j] as number);
      distance += diff * diff;
    }
    inertia += distance;
  }
  return { labels, centres, iterations, inertia };
}

/**
 * Greedy k-means++ (Arthur & Vassilvitskii 2007, with the local trials of scikit-learn and
 * ml-kmeans): the first centre is a uniformly drawn point; each next one is the best, by the
 * resulting sum of squared distances, of 2 + ⌊ln k⌋ points drawn with probability ∝ squared
 * distance to the nearest centre so far. Returns the indices of the chosen points.
 */
export function greedyKMeansPlusPlus(data: Float64Array, d: number, k: number, random: Uniform): Int32Array {
  const n = data.length / d;
  const trials = 2 + Math.floor(Math.log(k));
  const chosen = new Int32Array(k);
  let closest = new Float64Array(n);
  let candidate = new Float64Array(n);
  let best = new Float64Array(n);
  chosen[0] = Math.floor(random.random() * n);
  let potential = distancesTo(data, d, chosen[0] as number, closest, null);
  for (let c = 1; c < k; c++) {
    let bestIndex = -1;
    let bestPotential = Infinity;
    for (let t = 0; t < trials; t++) {
      const index = drawProportional(closest, potential, random);
      const total = distancesTo(data, d, index, candidate, closest);
      if (total < bestPotential) {
        bestPotential = total;
        bestIndex = index;
        [best, candidate] = [candidate, best];
      }
    }
    chosen[c] = bestIndex;
    [closest, best] = [best, closest];
    potential = bestPotential;
  }
  return chosen;
}

/** out[i] = squared distance from point i to point `from` (or its minimum with `floor[i]`); returns the sum. */
function distancesTo(
  data: Float64Array,
  d: number,
  from: number,
  out: Float64Array,
  floor: Float64Array | null,
): number {
  const n = out.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    let distance = 0;
    for (let j = 0; j < d; j++) {
      const diff = (data[i * d + j] as number) - (data[from * d + j] as number);
      distance += diff * diff;
    }
    if (floor && (floor[i] as number) < distance) distance = floor[i] as number;
    out[i] = distance;
    sum += distance;
  }
  return sum;
}

/** An index drawn with probability weights[i] / total (uniform when every weight is 0). */
function drawProportional(weights: Float64Array, total: number, random: Uniform): number {
  const n = weights.length;
  if (!(total > 0)) return Math.floor(random.random() * n);
  let target = random.random() * total;
  let last = 0;
  for (let i = 0; i < n; i++) {
    const w = weights[i] as number;
    if (w <= 0) continue;
    last = i;
    target -= w;
    if (target < 0) return i;
  }
  // Rounding can leave a sliver of `target`: the last point with any weight takes it.
  return last;
}

/** The k-means++ start (point indices) of each restart of a seeded run. */
export function kmeansStarts(points: Points, k: number, nInit: number, seed: number): Int32Array[] {
  const { data, d } = packPoints(points);
  return Array.from({ length: nInit }, (_, start) =>
    greedyKMeansPlusPlus(data, d, k, restartStream(seed, 'kmeans', start)),
  );
}

/**
 * k-means: greedy k-means++ starts, Lloyd's iterations, the lowest inertia wins. Restart i draws
 * from its own stream keyed by (seed, i) (see random.ts), so a seed fixes the result and two
 * seeds share no start.
 */
export function runKMeans(points: Points, params: KMeansParams, seed: number): ClusterResult {
  const { k, nInit = 10, maxIterations = 300 } = params;
  assertPoints(points, k);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  if (!Number.isInteger(nInit) || nInit < 1) throw new RangeError(`nInit must be a positive integer, got ${nInit}`);
  if (!Number.isInteger(maxIterations) || maxIterations < 1)
    throw new RangeError(`maxIterations must be a positive integer, got ${maxIterations}`);
  const { data, d } = packPoints(points);
  const initial = new Float64Array(k * d);
  let best: LloydResult | undefined;
  for (let start = 0; start < nInit; start++) {
    const chosen = greedyKMeansPlusPlus(data, d, k, restartStream(seed, 'kmeans', start));
    for (let c = 0; c < k; c++) initial.set(data.subarray((chosen[c] as number) * d, (chosen[c] as number) * d + d), c * d);
    const result = lloyd(data, d, initial, maxIterations);
    if (!best || result.inertia < best.inertia) best = result;
  }
  const chosen = best as LloydResult;
  return {
    labels: canonicalLabels(Array.from(chosen.labels)),
    diagnostics: { inertia: chosen.inertia, iterations: chosen.iterations },
  };
}
