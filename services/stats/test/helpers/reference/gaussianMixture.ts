import { CholeskyDecomposition } from 'ml-matrix';
import type { GaussianMixtureFit, GaussianMixtureParams } from '../../../src/domain/clusterers/gaussianMixture.js';
import { type Points, squaredDistance } from '../../../src/domain/clusterers/types.js';

/**
 * REFERENCE ONLY: the object-per-component Gaussian mixture that src/domain/clusterers/gaussianMixture.ts
 * replaced (as of the commit before the typed-array rewrite), kept so that tests can check that the
 * rewrite computes the same fits. Not used by the service.
 *
 * Gaussian mixture fitted by expectation–maximisation (no maintained JS package exists).
 *
 * Regularisation is a penalty, −½·reg·Σₖ tr(Σₖ⁻¹), added to the log-likelihood. Its M-step is
 * Σₖ = (Sₖ + reg·I) / Nₖ (Sₖ the responsibility-weighted scatter), which keeps every covariance
 * positive definite even for a component sitting on one point, and keeps EM's guarantee:
 * the penalised objective never decreases. With reg = 0 it is the plain maximum-likelihood EM.
 */

const LOG_2PI = Math.log(2 * Math.PI);

interface Component {
  weight: number;
  mean: number[];
  covariance: number[][];
  /** Lower Cholesky factor of the covariance. */
  chol: number[][];
  logDet: number;
  /** tr(Σ⁻¹), for the penalty. */
  traceInverse: number;
}

function logSumExp(values: readonly number[]): number {
  const max = Math.max(...values);
  if (max === Number.NEGATIVE_INFINITY) return max;
  let sum = 0;
  for (const v of values) sum += Math.exp(v - max);
  return max + Math.log(sum);
}

/** Solves L·y = b for lower-triangular L. */
function forwardSolve(chol: readonly (readonly number[])[], b: readonly number[]): number[] {
  const y = new Array<number>(b.length);
  for (let i = 0; i < b.length; i++) {
    const row = chol[i] as number[];
    let sum = b[i] as number;
    for (let j = 0; j < i; j++) sum -= (row[j] as number) * (y[j] as number);
    y[i] = sum / (row[i] as number);
  }
  return y;
}

function makeComponent(weight: number, mean: number[], covariance: number[][], index: number): Component {
  const d = mean.length;
  const decomposition = new CholeskyDecomposition(covariance);
  if (!decomposition.isPositiveDefinite()) {
    throw new RangeError(`component ${index}: covariance is not positive definite; increase regularization`);
  }
  const chol = decomposition.lowerTriangularMatrix.to2DArray();
  let logDet = 0;
  for (let j = 0; j < d; j++) logDet += 2 * Math.log((chol[j] as number[])[j] as number);
  // tr(Σ⁻¹) = ‖L⁻¹‖²_F: solve L·x = eⱼ for each unit vector.
  let traceInverse = 0;
  for (let j = 0; j < d; j++) {
    const unit = Array.from({ length: d }, (_, i) => (i === j ? 1 : 0));
    for (const v of forwardSolve(chol, unit)) traceInverse += v * v;
  }
  return { weight, mean, covariance, chol, logDet, traceInverse };
}

function logDensity(point: readonly number[], component: Component): number {
  const diff = point.map((x, j) => x - (component.mean[j] as number));
  let mahalanobis = 0;
  for (const v of forwardSolve(component.chol, diff)) mahalanobis += v * v;
  return -0.5 * (point.length * LOG_2PI + component.logDet + mahalanobis);
}

interface EStep {
  responsibilities: number[][];
  logLikelihood: number;
  objective: number;
}

function expectation(points: Points, components: readonly Component[], regularization: number): EStep {
  let logLikelihood = 0;
  const responsibilities = points.map((point) => {
    const logs = components.map((c) =>
      c.weight > 0 ? Math.log(c.weight) + logDensity(point, c) : -Infinity,
    );
    const total = logSumExp(logs);
    logLikelihood += total;
    return logs.map((v) => Math.exp(v - total));
  });
  const penalty = 0.5 * regularization * components.reduce((s, c) => s + c.traceInverse, 0);
  return { responsibilities, logLikelihood, objective: logLikelihood - penalty };
}

function maximisation(
  points: Points,
  responsibilities: readonly (readonly number[])[],
  previous: readonly Component[] | null,
  params: Required<GaussianMixtureParams>,
): Component[] {
  const n = points.length;
  const d = (points[0] as number[]).length;
  return Array.from({ length: params.k }, (_, k) => {
    let nk = 0;
    for (const r of responsibilities) nk += r[k] as number;
    // A component that lost all its points keeps its parameters with zero weight (it no longer
    // changes the likelihood or the penalty, so EM stays monotone) instead of dividing by zero.
    if (nk < 1e-10 * n) {
      const old = previous?.[k];
      if (old) return { ...old, weight: 0 };
      throw new RangeError(`component ${k} starts empty; are there duplicate points?`);
    }
    const mean = new Array<number>(d).fill(0);
    points.forEach((p, i) => {
      const r = (responsibilities[i] as number[])[k] as number;
      for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + r * (p[j] as number);
    });
    for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) / nk;
    const scatter = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    points.forEach((p, i) => {
      const r = (responsibilities[i] as number[])[k] as number;
      if (r === 0) return;
      const diff = p.map((x, j) => x - (mean[j] as number));
      for (let a = 0; a < d; a++) {
        const row = scatter[a] as number[];
        // Diagonal covariance only needs the variances.
        for (let b = params.covariance === 'full' ? 0 : a; b <= a; b++) {
          row[b] = (row[b] as number) + r * (diff[a] as number) * (diff[b] as number);
        }
      }
    });
    const covariance = scatter.map((row, a) =>
      row.map((_, b) => {
        const lower =
          a >= b ? ((scatter[a] as number[])[b] as number) : ((scatter[b] as number[])[a] as number);
        return ((a === b ? lower + params.regularization : lower) / nk) as number;
      }),
    );
    return makeComponent(nk / n, mean, covariance, k);
  });
}

/** One EM run from the given centres (added for the equivalence tests; the rest is unchanged). */
export function fitFrom(
  points: Points,
  params: Required<GaussianMixtureParams>,
  centres: readonly (readonly number[])[],
): GaussianMixtureFit {
  const n = points.length;
  const d = (points[0] as number[]).length;
  // Start from a hard assignment to the nearest centre, then alternate E and M steps.
  const initial = points.map((p) => {
    let best = 0;
    for (let c = 1; c < centres.length; c++) {
      if (squaredDistance(p, centres[c] as number[]) < squaredDistance(p, centres[best] as number[]))
        best = c;
    }
    return centres.map((_, c) => (c === best ? 1 : 0));
  });
  let components = maximisation(points, initial, null, params);
  let step = expectation(points, components, params.regularization);
  const history = [{ logLikelihood: step.logLikelihood, objective: step.objective }];
  let converged = false;
  let iterations = 0;
  while (iterations < params.maxIterations) {
    iterations++;
    components = maximisation(points, step.responsibilities, components, params);
    const next = expectation(points, components, params.regularization);
    history.push({ logLikelihood: next.logLikelihood, objective: next.objective });
    const gain = next.objective - step.objective;
    step = next;
    if (gain < params.tolerance * n) {
      converged = true;
      break;
    }
  }
  const labels = step.responsibilities.map((r) => r.indexOf(Math.max(...r)));
  const covarianceParameters = params.covariance === 'full' ? (d * (d + 1)) / 2 : d;
  const freeParameters = params.k - 1 + params.k * d + params.k * covarianceParameters;
  return {
    labels,
    weights: components.map((c) => c.weight),
    means: components.map((c) => c.mean),
    covariances: components.map((c) => c.covariance),
    logLikelihood: step.logLikelihood,
    objective: step.objective,
    history,
    iterations,
    converged,
    bic: -2 * step.logLikelihood + freeParameters * Math.log(n),
  };
}
