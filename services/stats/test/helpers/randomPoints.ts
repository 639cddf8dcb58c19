import { Random } from 'ml-random';

/**
 * n standard-normal points in d dimensions from a seed (Box–Muller), scaled. Continuous, so that
 * exact ties between distances have probability zero: property tests that compare against a
 * reference with different tie-breaking draw their inputs here, and fast-check chooses (and
 * shrinks) n, d, scale and the seed.
 */
export function randomPoints(seed: number, n: number, d: number, scale = 1): number[][] {
  const random = new Random(seed);
  const normal = () => {
    const u = 1 - random.random();
    const v = random.random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  return Array.from({ length: n }, () => Array.from({ length: d }, () => scale * normal()));
}
