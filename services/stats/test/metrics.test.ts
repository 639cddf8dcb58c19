import { describe, expect, it } from 'vitest';
import { NOISE } from '../src/domain/clusterers/types.js';
import {
  adjustedRandIndex,
  calinskiHarabasz,
  daviesBouldin,
  scoreClustering,
  silhouette,
} from '../src/domain/metrics.js';

// Case 1 — four points on a line, two clusters: A = {0, 1}, B = {4, 5}.
const line = [[0], [1], [4], [5]];
const lineLabels = [0, 0, 1, 1];

// Case 2 — five points, three clusters, one a singleton: A = {0, 2}, B = {10}, C = {20, 24}.
const three = [[0], [2], [10], [20], [24]];
const threeLabels = [0, 0, 1, 2, 2];

describe('silhouette', () => {
  it('case 1', () => {
    // x=0: a = 1, b = (4 + 5)/2 = 4.5 → (4.5 − 1)/4.5 = 7/9
    // x=1: a = 1, b = (3 + 4)/2 = 3.5 → 2.5/3.5 = 5/7; x=4 and x=5 mirror these.
    // mean = (7/9 + 5/7 + 5/7 + 7/9)/4 = (7/9 + 5/7)/2 = 94/126 = 0.746032
    expect(silhouette(line, lineLabels)).toBeCloseTo(94 / 126, 12);
  });

  it('case 2, with a singleton scoring 0', () => {
    // x=0:  a = 2, b = min(B: 10, C: (20 + 24)/2 = 22) = 10 → 8/10 = 0.8
    // x=2:  a = 2, b = min(B: 8, C: (18 + 22)/2 = 20) = 8 → 6/8 = 0.75
    // x=10: alone in B → 0
    // x=20: a = 4, b = min(A: (20 + 18)/2 = 19, B: 10) = 10 → 6/10 = 0.6
    // x=24: a = 4, b = min(A: (24 + 22)/2 = 23, B: 14) = 14 → 10/14 = 0.714286
    // mean = (0.8 + 0.75 + 0 + 0.6 + 5/7)/5 = 0.572857
    expect(silhouette(three, threeLabels)).toBeCloseTo((0.8 + 0.75 + 0 + 0.6 + 5 / 7) / 5, 12);
  });

  it('is undefined for one cluster', () => {
    expect(silhouette(line, [0, 0, 0, 0])).toBeNull();
  });
});

describe('Calinski–Harabasz', () => {
  it('case 1', () => {
    // overall mean 2.5; centroids 0.5 and 4.5
    // between = 2·(0.5 − 2.5)² + 2·(4.5 − 2.5)² = 8 + 8 = 16; within = 4·0.5² = 1
    // CH = (16/(k−1 = 1)) / (1/(n−k = 2)) = 32
    expect(calinskiHarabasz(line, lineLabels)).toBeCloseTo(32, 12);
  });

  it('case 2', () => {
    // overall mean 56/5 = 11.2; centroids 1, 10, 22 with sizes 2, 1, 2
    // between = 2·10.2² + 1·1.2² + 2·10.8² = 208.08 + 1.44 + 233.28 = 442.8
    // within = (1 + 1) + 0 + (4 + 4) = 10; CH = (442.8/2) / (10/2) = 44.28
    expect(calinskiHarabasz(three, threeLabels)).toBeCloseTo(44.28, 10);
  });
});

describe('Davies–Bouldin', () => {
  it('case 1', () => {
    // spreads: A 0.5, B 0.5; centroid distance 4 → (0.5 + 0.5)/4 = 0.25 for both clusters
    expect(daviesBouldin(line, lineLabels)).toBeCloseTo(0.25, 12);
  });

  it('case 2', () => {
    // spreads: A 1, B 0, C 2; centroid distances AB 9, AC 21, BC 12
    // R_AB = 1/9, R_AC = 3/21 = 1/7, R_BC = 2/12 = 1/6
    // worst: A max(1/9, 1/7) = 1/7; B max(1/9, 1/6) = 1/6; C max(1/7, 1/6) = 1/6
    // DB = (1/7 + 1/6 + 1/6)/3 = 20/126 = 0.158730
    expect(daviesBouldin(three, threeLabels)).toBeCloseTo(20 / 126, 12);
  });
});

describe('noise convention', () => {
  it('leaves noise out of the scores and reports its share', () => {
    // Case 1 plus a far-away noise point: scores unchanged, noise share 1/5.
    const metrics = scoreClustering([...line, [100]], [...lineLabels, NOISE]);
    expect(metrics).toEqual({
      silhouette: expect.closeTo(94 / 126, 12),
      calinskiHarabasz: expect.closeTo(32, 12),
      daviesBouldin: expect.closeTo(0.25, 12),
      clusters: 2,
      noiseShare: 0.2,
      smallestClusterShare: 0.5,
    });
  });

  it('gives null scores when everything is noise', () => {
    expect(scoreClustering(line, [NOISE, NOISE, NOISE, NOISE])).toEqual({
      silhouette: null,
      calinskiHarabasz: null,
      daviesBouldin: null,
      clusters: 0,
      noiseShare: 1,
      smallestClusterShare: 0,
    });
  });
});

describe('adjusted Rand index', () => {
  it('is 1 for the same partition under other names', () => {
    expect(adjustedRandIndex([0, 0, 1, 1], [1, 1, 0, 0])).toBe(1);
  });

  it('matches a hand-computed crossed case', () => {
    // truth [0,0,1,1] vs [0,1,0,1]: every cell holds 1 point → index Σ C(1,2) = 0
    // row and column pairs: C(2,2) + C(2,2) = 2 each; expected = 2·2 / C(4,2) = 4/6; max = 2
    // ARI = (0 − 2/3) / (2 − 2/3) = −0.5
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 12);
  });
});
