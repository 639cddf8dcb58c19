import { Random } from 'ml-random';

export interface Blobs {
  points: number[][];
  labels: number[];
}

/**
 * Seeded isotropic Gaussian blobs (Box–Muller): `perCluster` points around each centre with
 * standard deviation `sd`, listed cluster by cluster.
 */
export function gaussianBlobs(centres: number[][], perCluster: number, sd: number, seed: number): Blobs {
  const random = new Random(seed);
  const normal = () => {
    const u = 1 - random.random();
    const v = random.random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const points: number[][] = [];
  const labels: number[] = [];
  centres.forEach((centre, label) => {
    for (let i = 0; i < perCluster; i++) {
      points.push(centre.map((c) => c + sd * normal()));
      labels.push(label);
    }
  });
  return { points, labels };
}

/** Three well-separated blobs in 3-D, 60 points each. */
export const threeBlobs = (seed: number) =>
  gaussianBlobs(
    [
      [0, 0, 0],
      [8, 0, 2],
      [0, 8, -2],
    ],
    60,
    1,
    seed,
  );
