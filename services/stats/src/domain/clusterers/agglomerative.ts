import { assertPoints, type ClusterResult, canonicalLabels, packPoints, type Points } from './types.js';

/** The linkages the search offers. */
export type Linkage = 'ward' | 'average';
/** Every linkage `buildDendrogram` implements. */
export type LinkageMethod = Linkage | 'complete' | 'single';

export interface AgglomerativeParams {
  k: number;
  linkage: Linkage;
}

/** One merge: `a` and `b` are one member (a point index) of each of the two clusters merged. */
export interface Merge {
  a: number;
  b: number;
  /** Linkage distance between the two clusters. */
  height: number;
  /** Points in the merged cluster. */
  size: number;
}

/** The full dendrogram, as its n − 1 merges by increasing height. Build once, cut for several k. */
export interface Dendrogram {
  n: number;
  linkage: LinkageMethod;
  merges: Merge[];
}

/**
 * Agglomerative clustering in O(n²) time and memory (it was ml-hclust's `agnes`, which rebuilds
 * the distance matrix after every merge: O(n³)).
 *
 * - `ward`, `average`, `complete`: the nearest-neighbour chain (Murtagh 1983; Müllner 2011,
 *   "Modern hierarchical, agglomerative clustering algorithms", §3.2) over a Euclidean distance
 *   matrix updated with the Lance–Williams formula. The chain follows nearest neighbours until
 *   two clusters are each other's nearest; for these "reducible" linkages merging such a pair
 *   yields the same dendrogram as always merging the globally closest pair.
 * - `single`: a minimum spanning tree (Prim's algorithm on the dense distance matrix); its edges by
 *   increasing weight are the single-linkage merges (Gower & Ross 1969).
 *
 * `ward` is Ward's minimum-variance criterion on Euclidean distances (R's ward.D2, SciPy's and
 * scikit-learn's `ward`; ml-hclust's `ward2`): the update is applied to squared distances.
 * `average` is UPGMA. Deterministic: no seed involved; ties go to the lower index.
 */
export function buildDendrogram(points: Points, linkage: LinkageMethod): Dendrogram {
  assertPoints(points, 1);
  const { data, n, d } = packPoints(points);
  const distances = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let sum = 0;
      for (let m = 0; m < d; m++) {
        const diff = (data[i * d + m] as number) - (data[j * d + m] as number);
        sum += diff * diff;
      }
      const distance = Math.sqrt(sum);
      distances[i * n + j] = distance;
      distances[j * n + i] = distance;
    }
  }
  const merges = linkage === 'single' ? minimumSpanningTree(distances, n) : nearestNeighbourChain(distances, n, linkage);
  // By increasing height; the stable sort keeps the order of equal heights.
  merges.sort((x, y) => x.height - y.height);
  // Sizes follow from the merge order.
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const size = new Int32Array(n).fill(1);
  for (const merge of merges) {
    const a = find(parent, merge.a);
    const b = find(parent, merge.b);
    parent[b] = a;
    size[a] = (size[a] as number) + (size[b] as number);
    merge.size = size[a] as number;
  }
  return { n, linkage, merges };
}

/**
 * Lance–Williams update: the distance from cluster K (size nk) to the union of I and J (sizes
 * ni, nj), from d(K, I), d(K, J) and d(I, J).
 */
function lanceWilliams(
  linkage: Exclude<LinkageMethod, 'single'>,
  dKI: number,
  dKJ: number,
  dIJ: number,
  ni: number,
  nj: number,
  nk: number,
): number {
  switch (linkage) {
    case 'average':
      return (ni / (ni + nj)) * dKI + (nj / (ni + nj)) * dKJ;
    case 'complete':
      return Math.max(dKI, dKJ);
    case 'ward': {
      const total = ni + nj + nk;
      // Non-negative in exact arithmetic; the clamp keeps rounding from producing NaN.
      const squared =
        ((ni + nk) / total) * dKI * dKI + ((nj + nk) / total) * dKJ * dKJ + (-nk / total) * dIJ * dIJ;
      return Math.sqrt(Math.max(squared, 0));
    }
  }
}

function nearestNeighbourChain(
  distances: Float64Array,
  n: number,
  linkage: Exclude<LinkageMethod, 'single'>,
): Merge[] {
  // Cluster slots: a merged cluster lives in the slot of its lower-index part, which is one of its
  // points. The active slots are kept in a list (order irrelevant: ties are broken by index).
  const active = Int32Array.from({ length: n }, (_, i) => i);
  const position = Int32Array.from({ length: n }, (_, i) => i);
  let count = n;
  const size = new Float64Array(n).fill(1);
  const chain = new Int32Array(n);
  let length = 0;
  const merges: Merge[] = [];
  for (let step = 0; step < n - 1; step++) {
    if (length === 0) {
      let lowest = active[0] as number;
      for (let p = 1; p < count; p++) lowest = Math.min(lowest, active[p] as number);
      chain[length++] = lowest;
    }
    let a: number;
    let b: number;
    let height: number;
    for (;;) {
      a = chain[length - 1] as number;
      // The nearest active neighbour of a: on a tie the previous chain element wins (which is what
      // makes the chain end in a reciprocal pair), then the lower index.
      const previous = length >= 2 ? (chain[length - 2] as number) : -1;
      b = previous;
      height = previous >= 0 ? (distances[a * n + previous] as number) : Number.POSITIVE_INFINITY;
      const row = a * n;
      for (let p = 0; p < count; p++) {
        const x = active[p] as number;
        if (x === a) continue;
        const distance = distances[row + x] as number;
        if (distance < height || (distance === height && b !== previous && x < b)) {
          height = distance;
          b = x;
        }
      }
      if (b === previous) break;
      chain[length++] = b;
    }
    length -= 2;
    const into = Math.min(a, b);
    const gone = Math.max(a, b);
    const ni = size[a] as number;
    const nj = size[b] as number;
    for (let p = 0; p < count; p++) {
      const x = active[p] as number;
      if (x === a || x === b) continue;
      const updated = lanceWilliams(
        linkage,
        distances[x * n + a] as number,
        distances[x * n + b] as number,
        height,
        ni,
        nj,
        size[x] as number,
      );
      distances[x * n + into] = updated;
      distances[into * n + x] = updated;
    }
    // Remove `gone` from the active list (swap with the last).
    const at = position[gone] as number;
    const last = active[count - 1] as number;
    active[at] = last;
    position[last] = at;
    count--;
    size[into] = ni + nj;
    merges.push({ a, b, height, size: 0 });
  }
  return merges;
}

function minimumSpanningTree(distances: Float64Array, n: number): Merge[] {
  const inTree = new Uint8Array(n);
  const best = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const from = new Int32Array(n);
  const merges: Merge[] = [];
  let current = 0;
  inTree[0] = 1;
  for (let step = 0; step < n - 1; step++) {
    let next = -1;
    let nextDistance = Number.POSITIVE_INFINITY;
    for (let x = 0; x < n; x++) {
      if (inTree[x]) continue;
      const distance = distances[current * n + x] as number;
      if (distance < (best[x] as number)) {
        best[x] = distance;
        from[x] = current;
      }
      if (next < 0 || (best[x] as number) < nextDistance) {
        nextDistance = best[x] as number;
        next = x;
      }
    }
    inTree[next] = 1;
    merges.push({ a: from[next] as number, b: next, height: nextDistance, size: 0 });
    current = next;
  }
  return merges;
}

function find(parent: Int32Array, x: number): number {
  let root = x;
  while (parent[root] !== root) root = parent[root] as number;
  while (parent[x] !== root) {
    const up = parent[x] as number;
    parent[x] = root;
    x = up;
  }
  return root;
}

/** Cut into k clusters by undoing the k−1 highest merges. */
export function cutDendrogram(tree: Dendrogram, k: number, n: number = tree.n): ClusterResult {
  if (n !== tree.n) throw new RangeError(`the dendrogram has ${tree.n} points, not ${n}`);
  if (!Number.isInteger(k) || k < 1 || k > n)
    throw new RangeError(`k must be an integer in [1, ${n}], got ${k}`);
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const kept = n - k;
  for (let m = 0; m < kept; m++) {
    const merge = tree.merges[m] as Merge;
    parent[find(parent, merge.b)] = find(parent, merge.a);
  }
  const labels = Array.from({ length: n }, (_, i) => find(parent, i));
  // Height of the highest merge kept: a large gap to the root's height means a clear cut.
  return {
    labels: canonicalLabels(labels),
    diagnostics: { highestKeptMerge: kept > 0 ? (tree.merges[kept - 1] as Merge).height : 0 },
  };
}

export function runAgglomerative(points: Points, params: AgglomerativeParams): ClusterResult {
  return cutDendrogram(buildDendrogram(points, params.linkage), params.k, points.length);
}
