import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kDistances } from '../src/domain/clusterers/dbscan.js';
import { squaredDistance } from '../src/domain/clusterers/types.js';

/** The k-distance curve by brute force: sort every point's distances (what kDistances used to do). */
const reference = (points: number[][], m: number) =>
  points
    .map((p) => Math.sqrt(points.map((q) => squaredDistance(p, q)).sort((a, b) => a - b)[m - 1] as number))
    .sort((a, b) => a - b);

describe('k-distance curve', () => {
  it('equals sorting every point’s distances, ties and duplicates included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 90 }),
        fc.integer({ min: 1, max: 90 }),
        (points, m) => {
          fc.pre(m <= points.length);
          expect(kDistances(points, m)).toEqual(reference(points, m));
        },
      ),
      { numRuns: 300 },
    );
  });
});
