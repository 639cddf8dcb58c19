import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mix32, restartStream } from '../src/domain/random.js';

const first = (seed: number, purpose: string, restart: number, count = 4) => {
  const stream = restartStream(seed, purpose, restart);
  return Array.from({ length: count }, () => stream.nextUint32());
};

describe('keyed random streams', () => {
  it('are reproducible: the same key gives the same stream', () => {
    expect(first(42, 'kmeans', 3, 16)).toEqual(first(42, 'kmeans', 3, 16));
  });

  it('give seeds s and s + 1 no stream in common (restarts used to be seed + i)', () => {
    const seen = new Map<string, string>();
    for (let seed = 0; seed < 300; seed++) {
      for (let restart = 0; restart < 10; restart++) {
        const key = first(seed, 'kmeans', restart).join(',');
        expect(seen.get(key)).toBeUndefined();
        seen.set(key, `${seed}/${restart}`);
      }
    }
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 52), max: 2 ** 52 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 1000 }),
        (seed, i, j) => {
          expect(first(seed, 'gaussianMixture', i)).not.toEqual(first(seed + 1, 'gaussianMixture', j));
        },
      ),
    );
  });

  it('separate purposes and restarts', () => {
    expect(first(7, 'kmeans', 0)).not.toEqual(first(7, 'gaussianMixture', 0));
    expect(first(7, 'kmeans', 0)).not.toEqual(first(7, 'kmeans', 1));
    // Seeds that agree in their low 32 bits still differ.
    expect(first(5, 'kmeans', 0)).not.toEqual(first(5 + 2 ** 32, 'kmeans', 0));
  });

  it('draws uniform doubles in [0, 1)', () => {
    const stream = restartStream(1, 'test', 0);
    const draws = Array.from({ length: 20_000 }, () => stream.random());
    expect(draws.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    // Each tenth of [0, 1) gets its share (20 000 draws: ±5 % is > 7 standard deviations).
    const bins = new Array<number>(10).fill(0);
    for (const x of draws) bins[Math.floor(x * 10)] = (bins[Math.floor(x * 10)] as number) + 1;
    for (const count of bins) expect(Math.abs(count - 2000)).toBeLessThan(100);
    expect(new Set(draws).size).toBe(draws.length);
  });

  it('mixes with a bijection on 32-bit integers', () => {
    const outputs = new Set(Array.from({ length: 1 << 16 }, (_, i) => mix32(i * 65_537)));
    expect(outputs.size).toBe(1 << 16);
  });

  it('rejects seeds and restarts it cannot key injectively', () => {
    expect(() => restartStream(1.5, 'kmeans', 0)).toThrow(RangeError);
    expect(() => restartStream(2 ** 53, 'kmeans', 0)).toThrow(RangeError);
    expect(() => restartStream(0, 'kmeans', -1)).toThrow(RangeError);
  });
});
