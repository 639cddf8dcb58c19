/**
 * REFERENCE ONLY: greedy k-means++ written plainly over arrays (as in Arthur & Vassilvitskii 2007
 * with scikit-learn's 2 + ⌊ln k⌋ local trials), drawing from the same kind of stream, to check the
 * typed-array version in src/domain/clusterers/kmeans.ts.
 */
import type { Uniform } from '../../../src/domain/random.js';

const squared = (p: readonly number[], q: readonly number[]) => p.reduce((s, x, j) => s + (x - (q[j] as number)) ** 2, 0);

function draw(weights: number[], random: Uniform): number {
  const total = weights.reduce((s, w) => s + w, 0);
  if (!(total > 0)) return Math.floor(random.random() * weights.length);
  let target = random.random() * total;
  let last = 0;
  for (const [i, w] of weights.entries()) {
    if (w <= 0) continue;
    last = i;
    target -= w;
    if (target < 0) return i;
  }
  return last;
}

export function referenceGreedyKMeansPlusPlus(points: readonly (readonly number[])[], k: number, random: Uniform): number[] {
  const chosen = [Math.floor(random.random() * points.length)];
  let closest = points.map((p) => squared(p, points[chosen[0] as number] as number[]));
  while (chosen.length < k) {
    let best: { index: number; closest: number[]; potential: number } | undefined;
    for (let t = 0; t < 2 + Math.floor(Math.log(k)); t++) {
      const index = draw(closest, random);
      const candidate = points.map((p, i) => Math.min(closest[i] as number, squared(p, points[index] as number[])));
      const potential = candidate.reduce((s, v) => s + v, 0);
      if (!best || potential < best.potential) best = { index, closest: candidate, potential };
    }
    chosen.push(best?.index as number);
    closest = best?.closest as number[];
  }
  return chosen;
}
