import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CovarianceType,
  fitGaussianMixture,
  fitGaussianMixtureFrom,
  type GaussianMixtureFit,
  gaussianMixtureStarts,
  kmeansPlusPlusCentres,
} from '../src/domain/clusterers/gaussianMixture.js';
import { parseLeagueDash } from '../src/domain/parse.js';
import { restartStream } from '../src/domain/random.js';
import { DEFAULT_SEARCH_SPACE } from '../src/domain/search.js';
import { prepareFeatures } from '../src/domain/transform.js';
import { randomPoints } from './helpers/randomPoints.js';
import { fitFrom as referenceFitFrom } from './helpers/reference/gaussianMixture.js';
import { readNbaJson } from './helpers/sharedData.js';

type Outcome = { fit: GaussianMixtureFit } | { error: string };
const outcome = (fit: () => GaussianMixtureFit): Outcome => {
  try {
    return { fit: fit() };
  } catch (error) {
    return { error: (error as Error).message };
  }
};

/**
 * Equal up to rounding: the rewrite takes rₖ = exp(vₖ − max)/Σ instead of exp(vₖ − max − log Σ)
 * and multiplies by 1/Lₐₐ instead of dividing (mathematically the same). Over 15 000 random cases
 * with at least 5 points per component the largest relative difference seen was 1.2e-10.
 */
function expectSameFit(ours: GaussianMixtureFit, reference: GaussianMixtureFit): void {
  const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-8 * Math.max(1, Math.abs(b)));
  expect(ours.labels).toEqual(reference.labels);
  expect(ours.iterations).toBe(reference.iterations);
  expect(ours.converged).toBe(reference.converged);
  close(ours.logLikelihood, reference.logLikelihood);
  close(ours.objective, reference.objective);
  close(ours.bic, reference.bic);
  ours.weights.forEach((w, c) => close(w, reference.weights[c] as number));
  ours.means.flat().forEach((m, i) => close(m, reference.means.flat()[i] as number));
  ours.covariances.flat(2).forEach((v, i) => close(v, reference.covariances.flat(2)[i] as number));
}

const withDefaults = (k: number, covariance: CovarianceType, regularization: number) => ({
  k,
  covariance,
  regularization,
  tolerance: 1e-6,
  maxIterations: 60,
  nInit: 1,
});

describe('Gaussian mixture on typed arrays', () => {
  it('fits as the object-per-component implementation it replaced, from the same start', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          n: fc.integer({ min: 5, max: 40 }),
          d: fc.integer({ min: 1, max: 4 }),
          k: fc.integer({ min: 1, max: 4 }),
          covariance: fc.constantFrom<CovarianceType>('full', 'diag'),
          regularization: fc.constantFrom(1e-6, 1e-3, 0.5),
        }),
        ({ seed, n, d, k, covariance, regularization }) => {
          // With fewer points per component, rounding can decide whether a component empties (the
          // 1e-10·n threshold), after which the two runs follow different paths.
          fc.pre(n >= 5 * k);
          // Two clouds, so that components have something to find.
          const points = randomPoints(seed, n, d).map((p, i) => p.map((x) => x + (i % 2) * 4));
          const params = withDefaults(k, covariance, regularization);
          const centres = kmeansPlusPlusCentres(points, k, restartStream(seed, 'test', 0));
          const ours = outcome(() => fitGaussianMixtureFrom(points, params, centres));
          const reference = outcome(() => referenceFitFrom(points, params, centres));
          if ('error' in reference) {
            expect(ours).toEqual(reference);
            return;
          }
          if (!('fit' in ours)) throw new Error(`only the rewrite failed: ${ours.error}`);
          expectSameFit(ours.fit, reference.fit);
          expect(ours.fit.history).toHaveLength(reference.fit.history.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  describe('on the 2018-19 matrix (365 × 7)', () => {
    const points = prepareFeatures(
      parseLeagueDash(readNbaJson('leaguedashplayerstats_2018-19_regular_per36.resultsets.json')).rows,
      parseLeagueDash(readNbaJson('leaguedashplayerstats_2018-19_playoffs_per36.resultsets.json')).rows,
    ).modelSpace;
    const { k: ks, covariance, nInit: _nInit, ...rest } = DEFAULT_SEARCH_SPACE.gaussianMixture;

    it.each(covariance)('every %s configuration of the search: the same labels as before from the same starts', (cov) => {
      for (const k of ks) {
        const params = { k, covariance: cov, ...rest };
        for (const centres of gaussianMixtureStarts(points, k, 1, 3)) {
          const full = { ...params, maxIterations: 200, nInit: 1 };
          expectSameFit(fitGaussianMixtureFrom(points, full, centres), referenceFitFrom(points, full, centres));
        }
      }
    });

    it('seeds s and s + 1 share no initialisation (restarts draw from streams keyed by seed and restart)', () => {
      const key = (centres: number[][]) => JSON.stringify(centres);
      for (let seed = 0; seed < 20; seed++) {
        const mine = new Set(gaussianMixtureStarts(points, 6, 3, seed).map(key));
        expect(mine.size).toBe(3);
        for (const start of gaussianMixtureStarts(points, 6, 3, seed + 1)) expect(mine.has(key(start))).toBe(false);
      }
    });

    it('keeps the best restart by objective and is reproducible from its seed', () => {
      const params = { k: 4, covariance: 'diag' as const, nInit: 3, ...rest };
      const fit = fitGaussianMixture(points, params, 5);
      expect(fitGaussianMixture(points, params, 5)).toEqual(fit);
      const objectives = gaussianMixtureStarts(points, 4, 3, 5).map(
        (centres) => fitGaussianMixtureFrom(points, { ...params, nInit: 1 }, centres).objective,
      );
      expect(fit.objective).toBe(Math.max(...objectives));
    });
  });
});
