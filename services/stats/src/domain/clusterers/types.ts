/** Shared shapes of the clusterers: rows of points in, one label per point out. */

export type Point = readonly number[];
export type Points = readonly Point[];

/** Label DBSCAN gives to points in no cluster. */
export const NOISE = -1;

export interface ClusterResult {
  /** One label per input point: 0..k−1, or NOISE. */
  labels: number[];
  /** Clusterer-specific diagnostics (inertia, log-likelihood, iterations, …), all numbers. */
  diagnostics: Record<string, number>;
}

/**
 * Renumbers clusters in order of first appearance (noise stays NOISE), so equal partitions
 * get equal label arrays whatever numbering the algorithm happened to use.
 */
export function canonicalLabels(labels: readonly number[]): number[] {
  const mapping = new Map<number, number>();
  return labels.map((label) => {
    if (label === NOISE) return NOISE;
    let mapped = mapping.get(label);
    if (mapped === undefined) {
      mapped = mapping.size;
      mapping.set(label, mapped);
    }
    return mapped;
  });
}

export function squaredDistance(a: Point, b: Point): number {
  let sum = 0;
  for (let j = 0; j < a.length; j++) {
    const diff = (a[j] as number) - (b[j] as number);
    sum += diff * diff;
  }
  return sum;
}

export function assertPoints(points: Points, minimum: number): number {
  if (points.length < minimum) throw new RangeError(`need at least ${minimum} points, got ${points.length}`);
  const d = points[0]?.length ?? 0;
  if (d === 0) throw new RangeError('points have no coordinates');
  for (const [i, p] of points.entries()) {
    if (p.length !== d) throw new RangeError(`point ${i} has ${p.length} coordinates, expected ${d}`);
    if (!p.every(Number.isFinite)) throw new RangeError(`point ${i} has a non-finite coordinate`);
  }
  return d;
}

/** Rows of points as one row-major Float64Array (n·d), for the inner loops. */
export function packPoints(points: Points): { data: Float64Array; n: number; d: number } {
  const n = points.length;
  const d = points[0]?.length ?? 0;
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const p = points[i] as Point;
    for (let j = 0; j < d; j++) data[i * d + j] = p[j] as number;
  }
  return { data, n, d };
}
