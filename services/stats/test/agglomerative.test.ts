import fc from 'fast-check';
import { agnes, type Cluster } from 'ml-hclust';
import { describe, expect, it } from 'vitest';
import {
  buildDendrogram,
  cutDendrogram,
  type Dendrogram,
  type LinkageMethod,
} from '../src/domain/clusterers/agglomerative.js';
import { canonicalLabels } from '../src/domain/clusterers/types.js';
import { parseLeagueDash } from '../src/domain/parse.js';
import { prepareFeatures } from '../src/domain/transform.js';
import { randomPoints } from './helpers/randomPoints.js';
import { bruteForceAgglomerative } from './helpers/reference/agglomerative.js';
import { readNbaJson } from './helpers/sharedData.js';

const LINKAGES: LinkageMethod[] = ['ward', 'average', 'complete', 'single'];
/** ml-hclust's names: its `ward2` is Ward.D2, our `ward`. */
const ML_HCLUST = { ward: 'ward2', average: 'average', complete: 'complete', single: 'single' } as const;

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/** Cuts are unambiguous only where consecutive merge heights differ (ties may resolve either way). */
function distinctHeights(heights: readonly number[]): boolean {
  const sorted = [...heights].sort((a, b) => a - b);
  return sorted.every((h, i) => i === 0 || !close(h, sorted[i - 1] as number));
}

/** ml-hclust's tree cut into k groups, as the previous implementation did. */
function hclustLabels(tree: Cluster, k: number, n: number): number[] {
  const labels = new Array<number>(n).fill(-1);
  const groups = k === 1 ? [tree] : tree.group(k).children;
  groups.forEach((group, label) => {
    for (const index of group.indices()) labels[index] = label;
  });
  return canonicalLabels(labels);
}

const input = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  n: fc.integer({ min: 1, max: 24 }),
  d: fc.integer({ min: 1, max: 4 }),
  linkage: fc.constantFrom(...LINKAGES),
});

describe('agglomerative clustering (nearest-neighbour chain, MST for single linkage)', () => {
  it('equals a brute-force implementation of the linkage definitions on small random inputs', () => {
    fc.assert(
      fc.property(input, ({ seed, n, d, linkage }) => {
        const points = randomPoints(seed, n, d, 3);
        const reference = bruteForceAgglomerative(points, linkage);
        fc.pre(distinctHeights(reference.heights));
        const tree = buildDendrogram(points, linkage);
        // The same merge heights, in increasing order…
        const heights = tree.merges.map((m) => m.height);
        expect(heights).toHaveLength(n - 1);
        [...reference.heights].sort((a, b) => a - b).forEach((h, i) => expect(close(heights[i] as number, h)).toBe(true));
        // …and the same partition for every k.
        for (let k = 1; k <= n; k++) {
          expect(cutDendrogram(tree, k).labels).toEqual(reference.partitions[n - k]);
        }
        expect(tree.merges.at(-1)?.size ?? 1).toBe(n);
      }),
      { numRuns: 300 },
    );
  });

  it('equals ml-hclust (the O(n³) agnes it replaced) on small random inputs', () => {
    fc.assert(
      fc.property(input, ({ seed, n, d, linkage }) => {
        const points = randomPoints(seed, n, d);
        const tree = buildDendrogram(points, linkage);
        fc.pre(distinctHeights(tree.merges.map((m) => m.height)));
        const old = agnes(points, { method: ML_HCLUST[linkage] });
        for (let k = 1; k <= n; k++) {
          const cut = cutDendrogram(tree, k);
          expect(cut.labels).toEqual(hclustLabels(old, k, n));
        }
        expect(close(tree.merges.at(-1)?.height ?? 0, old.height)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('gives a valid hierarchy with ties and duplicate points', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: -2, max: 2 }), { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 20 }),
        fc.constantFrom(...LINKAGES),
        (points, linkage) => {
          const n = points.length;
          const tree = buildDendrogram(points, linkage);
          const heights = tree.merges.map((m) => m.height);
          expect(heights.every((h, i) => Number.isFinite(h) && (i === 0 || h >= (heights[i - 1] as number)))).toBe(true);
          for (let k = 1; k <= n; k++) expect(new Set(cutDendrogram(tree, k).labels).size).toBe(k);
          // Single linkage heights are the minimum spanning tree's edges, whatever the ties.
          if (linkage === 'single') {
            const reference = bruteForceAgglomerative(points, 'single').heights.sort((a, b) => a - b);
            heights.forEach((h, i) => expect(close(h, reference[i] as number)).toBe(true));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects a cut outside [1, n] or for another data set', () => {
    const tree: Dendrogram = buildDendrogram([[0], [1], [3]], 'ward');
    expect(() => cutDendrogram(tree, 0)).toThrow(RangeError);
    expect(() => cutDendrogram(tree, 4)).toThrow(RangeError);
    expect(() => cutDendrogram(tree, 2, 5)).toThrow(RangeError);
    expect(cutDendrogram(tree, 2)).toEqual({ labels: [0, 0, 1], diagnostics: { highestKeptMerge: 1 } });
  });

  describe('on the 2018-19 matrix (365 × 7)', () => {
    const points = prepareFeatures(
      parseLeagueDash(readNbaJson('leaguedashplayerstats_2018-19_regular_per36.resultsets.json')).rows,
      parseLeagueDash(readNbaJson('leaguedashplayerstats_2018-19_playoffs_per36.resultsets.json')).rows,
    ).modelSpace;

    it.each(['ward', 'average'] as const)('%s: the same labels as ml-hclust for every k the search uses', (linkage) => {
      const n = points.length;
      const tree = buildDendrogram(points, linkage);
      const old = agnes(
        points.map((p) => [...p]),
        { method: ML_HCLUST[linkage] },
      );
      for (let k = 1; k <= 20; k++) {
        const cut = cutDendrogram(tree, k);
        expect(cut.labels).toEqual(hclustLabels(old, k, n));
        const groups = k === 1 ? [old] : old.group(k).children;
        expect(close(cut.diagnostics.highestKeptMerge as number, Math.max(...groups.map((g) => g.height)))).toBe(true);
      }
    });
  });
});
