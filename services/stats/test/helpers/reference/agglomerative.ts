/**
 * REFERENCE ONLY: agglomerative clustering by brute force, straight from the linkage definitions
 * (no Lance–Williams updates, no chain): at every step, compute the linkage distance between
 * every pair of current clusters from their points and merge the closest pair (the first found on
 * a tie). O(n³) or worse; for small inputs in tests.
 */
import type { LinkageMethod } from '../../../src/domain/clusterers/agglomerative.js';

const distance = (p: readonly number[], q: readonly number[]) =>
  Math.sqrt(p.reduce((s, x, j) => s + (x - (q[j] as number)) ** 2, 0));

function linkageDistance(points: readonly (readonly number[])[], a: number[], b: number[], linkage: LinkageMethod) {
  const pairs = a.flatMap((i) => b.map((j) => distance(points[i] as number[], points[j] as number[])));
  switch (linkage) {
    case 'single':
      return Math.min(...pairs);
    case 'complete':
      return Math.max(...pairs);
    case 'average':
      return pairs.reduce((s, x) => s + x, 0) / pairs.length;
    case 'ward': {
      // Ward.D2: √(2·|A|·|B| / (|A| + |B|)) · ‖centroid(A) − centroid(B)‖.
      const centroid = (members: number[]) =>
        (points[0] as number[]).map((_, j) => members.reduce((s, i) => s + ((points[i] as number[])[j] as number), 0) / members.length);
      return Math.sqrt((2 * a.length * b.length) / (a.length + b.length)) * distance(centroid(a), centroid(b));
    }
  }
}

export interface BruteForceTree {
  /** Merge heights in the order merged. */
  heights: number[];
  /** partitions[m]: cluster of each point after m merges (n − m clusters), as first-appearance labels. */
  partitions: number[][];
}

export function bruteForceAgglomerative(points: readonly (readonly number[])[], linkage: LinkageMethod): BruteForceTree {
  const n = points.length;
  let clusters = Array.from({ length: n }, (_, i) => [i]);
  const snapshot = () => {
    const labels = new Array<number>(n);
    const order = [...clusters].sort((x, y) => Math.min(...x) - Math.min(...y));
    order.forEach((members, label) => {
      for (const i of members) labels[i] = label;
    });
    return labels;
  };
  const heights: number[] = [];
  const partitions = [snapshot()];
  while (clusters.length > 1) {
    let best = { i: 0, j: 1, height: Infinity };
    for (let i = 0; i < clusters.length; i++) {
      for (let j = i + 1; j < clusters.length; j++) {
        const height = linkageDistance(points, clusters[i] as number[], clusters[j] as number[], linkage);
        if (height < best.height) best = { i, j, height };
      }
    }
    const merged = [...(clusters[best.i] as number[]), ...(clusters[best.j] as number[])];
    clusters = clusters.filter((_, c) => c !== best.i && c !== best.j).concat([merged]);
    heights.push(best.height);
    partitions.push(snapshot());
  }
  return { heights, partitions };
}
