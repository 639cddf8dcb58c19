import { restartStream, type Uniform } from '../random.js';
import { assertPoints, type ClusterResult, canonicalLabels, type Points, squaredDistance } from './types.js';

/**
 * Gaussian mixture fitted by expectation–maximisation (no maintained JS package exists).
 *
 * Regularisation is a penalty, −½·reg·Σₖ tr(Σₖ⁻¹), added to the log-likelihood. Its M-step is
 * Σₖ = (Sₖ + reg·I) / Nₖ (Sₖ the responsibility-weighted scatter), which keeps every covariance
 * positive definite even for a component sitting on one point, and keeps EM's guarantee:
 * the penalised objective never decreases. With reg = 0 it is the plain maximum-likelihood EM.
 *
 * The E and M steps run over typed arrays allocated once per fit, one long loop over the points
 * per component and coordinate. The arithmetic is that of the earlier object-per-component
 * implementation (kept as the reference in test/helpers/reference/gaussianMixture.ts), every sum
 * adding its terms in the same order, except for two rewrites that are equal in exact arithmetic:
 * rₖ = exp(vₖ − max) / Σⱼ exp(vⱼ − max) instead of exp(vₖ − max − log Σ) (one exponential per
 * point and component instead of two), and multiplying by 1/Lₐₐ instead of dividing by Lₐₐ. From
 * the same start both give the same labels and iterations, parameters equal to ~1e-10
 * (test/gaussianMixture.test.ts). The E-step keeps the log-sum-exp form: log densities minus
 * their maximum, exponentiated, so nothing overflows and the largest term is exactly 1.
 */

export type CovarianceType = 'full' | 'diag';

export interface GaussianMixtureParams {
  k: number;
  covariance: CovarianceType;
  /** Penalty weight; see above. */
  regularization?: number;
  /** Stop when the objective improves by less than this per point. */
  tolerance?: number;
  maxIterations?: number;
  /** Independent seeded starts; the highest objective wins. */
  nInit?: number;
}

export interface GaussianMixtureFit {
  labels: number[];
  weights: number[];
  means: number[][];
  covariances: number[][][];
  /** Log-likelihood of the data under the final parameters. */
  logLikelihood: number;
  /** Log-likelihood minus the regularisation penalty: what EM maximises. */
  objective: number;
  /** Per E-step, starting with the initial parameters: the sequence EM must not decrease. */
  history: { logLikelihood: number; objective: number }[];
  iterations: number;
  converged: boolean;
  /** Bayesian information criterion, −2·logL + p·ln n (lower is better). */
  bic: number;
}

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * out[p] = Σᵢ w[wBase + pairs[2p] + i] · x[xBase + pairs[2p + 1] + i] over i < n, for every pair p.
 * Four sums run side by side (one pass over the points for four of them), so that no sum waits
 * for the previous addition; each still adds its terms in point order, from 0, so the result is
 * the same as summing them one at a time.
 */
function sumsOfProducts(
  n: number,
  w: Float64Array,
  wBase: number,
  x: Float64Array,
  xBase: number,
  pairs: Int32Array,
  out: Float64Array,
): void {
  const count = pairs.length / 2;
  for (let p = 0; p < count; p += 4) {
    // Past the end, repeat the last pair and drop the result.
    const p1 = Math.min(p + 1, count - 1);
    const p2 = Math.min(p + 2, count - 1);
    const p3 = Math.min(p + 3, count - 1);
    const w0 = wBase + (pairs[2 * p] as number);
    const x0 = xBase + (pairs[2 * p + 1] as number);
    const w1 = wBase + (pairs[2 * p1] as number);
    const x1 = xBase + (pairs[2 * p1 + 1] as number);
    const w2 = wBase + (pairs[2 * p2] as number);
    const x2 = xBase + (pairs[2 * p2 + 1] as number);
    const w3 = wBase + (pairs[2 * p3] as number);
    const x3 = xBase + (pairs[2 * p3 + 1] as number);
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = 0; i < n; i++) {
      s0 += (w[w0 + i] as number) * (x[x0 + i] as number);
      s1 += (w[w1 + i] as number) * (x[x1 + i] as number);
      s2 += (w[w2 + i] as number) * (x[x2 + i] as number);
      s3 += (w[w3 + i] as number) * (x[x3 + i] as number);
    }
    out[p] = s0;
    if (p + 1 < count) out[p + 1] = s1;
    if (p + 2 < count) out[p + 2] = s2;
    if (p + 3 < count) out[p + 3] = s3;
  }
}

/**
 * One fit's parameters and scratch space, all typed arrays allocated once per fit.
 *
 * The data are held column-major (coordinate a of point i at a·n + i) and the per-point arrays
 * component-major (component c, point i at c·n + i), so that the inner loops run over all n
 * points for one component and coordinate. Parameters: component c's mean is
 * means[c·d … c·d + d), its covariance and lower Cholesky factor the d×d row-major blocks at c·d²
 * of `covariances` and `chol`.
 */
class Mixture {
  readonly weights: Float64Array;
  readonly logWeights: Float64Array;
  readonly means: Float64Array;
  readonly covariances: Float64Array;
  readonly chol: Float64Array;
  /** 1 / diag(L) per component, k·d: the forward substitution multiplies instead of dividing. */
  readonly inverse: Float64Array;
  /** d·ln 2π + ln det Σ_c: the density's constant part. */
  readonly constants: Float64Array;
  /** tr(Σ_c⁻¹), for the penalty. */
  readonly traceInverse: Float64Array;
  /** Responsibilities, k·n. */
  readonly responsibilities: Float64Array;
  /** Weighted log densities, then their exponentials relative to each point's maximum, k·n. */
  private readonly values: Float64Array;
  /** Per point: largest weighted log density, then Σₖ exp(vₖ − max). */
  private readonly maxima: Float64Array;
  private readonly totals: Float64Array;
  /** Per point: Mahalanobis distance, and the running forward-substitution sum. */
  private readonly mahalanobis: Float64Array;
  private readonly partial: Float64Array;
  /** Forward-substitution solution (full) or centred coordinates (full M-step), d·n. */
  private readonly solved: Float64Array;
  private readonly weighted: Float64Array;
  private readonly nk: Float64Array;
  /** Weighted sums Σᵢ rᵢₖ·xᵢ, k·d. */
  private readonly sums: Float64Array;
  private readonly unit: Float64Array;
  /** sumsOfProducts pairs: (responsibilities, coordinate a) for the sums; (rᵢ·δᵢₐ, δᵢᵦ) for b ≤ a or b = a. */
  private readonly sumPairs: Int32Array;
  private readonly scatterPairs: Int32Array;
  private readonly products: Float64Array;

  constructor(
    /** Column-major data, d·n. */
    readonly columns: Float64Array,
    readonly n: number,
    readonly d: number,
    readonly params: Required<GaussianMixtureParams>,
  ) {
    const { k } = params;
    this.weights = new Float64Array(k);
    this.logWeights = new Float64Array(k);
    this.means = new Float64Array(k * d);
    this.covariances = new Float64Array(k * d * d);
    this.chol = new Float64Array(k * d * d);
    this.inverse = new Float64Array(k * d);
    this.constants = new Float64Array(k);
    this.traceInverse = new Float64Array(k);
    this.responsibilities = new Float64Array(k * n);
    this.values = new Float64Array(k * n);
    this.maxima = new Float64Array(n);
    this.totals = new Float64Array(n);
    this.mahalanobis = new Float64Array(n);
    this.partial = new Float64Array(n);
    this.solved = new Float64Array(d * n);
    this.weighted = new Float64Array(d * n);
    this.nk = new Float64Array(k);
    this.sums = new Float64Array(k * d);
    this.unit = new Float64Array(d);
    this.sumPairs = Int32Array.from({ length: 2 * d }, (_, j) => (j % 2 === 0 ? 0 : ((j - 1) / 2) * n));
    const lower: number[] = [];
    for (let a = 0; a < d; a++) {
      for (let b = params.covariance === 'full' ? 0 : a; b <= a; b++) lower.push(a * n, b * n);
    }
    this.scatterPairs = Int32Array.from(lower);
    this.products = new Float64Array(Math.max(d, lower.length / 2));
  }

  /** E-step: responsibilities for the current parameters; returns the log-likelihood and objective. */
  expectation(): { logLikelihood: number; objective: number } {
    const { columns, n, d, weights, logWeights, means, chol, inverse, constants, values, maxima, totals } = this;
    const { mahalanobis, partial, solved, responsibilities } = this;
    const { k } = this.params;
    const diagonal = this.params.covariance === 'diag';
    for (let c = 0; c < k; c++) {
      const out = c * n;
      if (!((weights[c] as number) > 0)) {
        values.fill(Number.NEGATIVE_INFINITY, out, out + n);
        continue;
      }
      // Mahalanobis distance ‖L⁻¹(x − μ)‖², by forward substitution (L is diagonal for 'diag').
      mahalanobis.fill(0);
      const mean = c * d;
      const factor = c * d * d;
      for (let a = 0; a < d; a++) {
        const mu = means[mean + a] as number;
        const scale = inverse[mean + a] as number;
        const column = a * n;
        if (diagonal) {
          for (let i = 0; i < n; i++) {
            const y = ((columns[column + i] as number) - mu) * scale;
            mahalanobis[i] = (mahalanobis[i] as number) + y * y;
          }
          continue;
        }
        for (let i = 0; i < n; i++) partial[i] = (columns[column + i] as number) - mu;
        // partial −= L_ab·y_b for b < a, in order of b; four b at a time saves passes over `partial`.
        let b = 0;
        for (; b + 4 <= a; b += 4) {
          const l0 = chol[factor + a * d + b] as number;
          const l1 = chol[factor + a * d + b + 1] as number;
          const l2 = chol[factor + a * d + b + 2] as number;
          const l3 = chol[factor + a * d + b + 3] as number;
          const y0 = b * n;
          const y1 = y0 + n;
          const y2 = y1 + n;
          const y3 = y2 + n;
          for (let i = 0; i < n; i++) {
            let sum = partial[i] as number;
            sum -= l0 * (solved[y0 + i] as number);
            sum -= l1 * (solved[y1 + i] as number);
            sum -= l2 * (solved[y2 + i] as number);
            sum -= l3 * (solved[y3 + i] as number);
            partial[i] = sum;
          }
        }
        for (; b < a; b++) {
          const l = chol[factor + a * d + b] as number;
          const earlier = b * n;
          for (let i = 0; i < n; i++) partial[i] = (partial[i] as number) - l * (solved[earlier + i] as number);
        }
        for (let i = 0; i < n; i++) {
          const y = (partial[i] as number) * scale;
          solved[column + i] = y;
          mahalanobis[i] = (mahalanobis[i] as number) + y * y;
        }
      }
      const logWeight = logWeights[c] as number;
      const constant = constants[c] as number;
      for (let i = 0; i < n; i++) values[out + i] = logWeight + -0.5 * (constant + (mahalanobis[i] as number));
    }
    // log Σₖ exp(vₖ) = max + log Σₖ exp(vₖ − max): no overflow, and the largest term is 1, so
    // the sum is in [1, k] and rₖ = exp(vₖ − max) / sum needs no second exponential.
    maxima.fill(Number.NEGATIVE_INFINITY);
    for (let c = 0; c < k; c++) {
      for (let i = 0; i < n; i++) {
        const v = values[c * n + i] as number;
        if (v > (maxima[i] as number)) maxima[i] = v;
      }
    }
    totals.fill(0);
    for (let c = 0; c < k; c++) {
      for (let i = 0; i < n; i++) {
        const e = Math.exp((values[c * n + i] as number) - (maxima[i] as number));
        values[c * n + i] = e;
        totals[i] = (totals[i] as number) + e;
      }
    }
    let logLikelihood = 0;
    for (let i = 0; i < n; i++) logLikelihood += (maxima[i] as number) + Math.log(totals[i] as number);
    for (let c = 0; c < k; c++) {
      for (let i = 0; i < n; i++) responsibilities[c * n + i] = (values[c * n + i] as number) / (totals[i] as number);
    }
    this.accumulate();
    let traces = 0;
    for (let c = 0; c < k; c++) traces += this.traceInverse[c] as number;
    const penalty = 0.5 * this.params.regularization * traces;
    return { logLikelihood, objective: logLikelihood - penalty };
  }

  /** Hard initial assignment: point i wholly to component labels[i]. */
  assign(labels: Int32Array): void {
    const { n, responsibilities } = this;
    for (let c = 0; c < this.params.k; c++) {
      for (let i = 0; i < n; i++) responsibilities[c * n + i] = labels[i] === c ? 1 : 0;
    }
    this.accumulate();
  }

  /** Nₖ = Σᵢ rᵢₖ and the weighted sums Σᵢ rᵢₖ·xᵢ, adding the terms in point order. */
  private accumulate(): void {
    const { columns, n, d, responsibilities, nk, sums } = this;
    for (let c = 0; c < this.params.k; c++) {
      const own = c * n;
      let count = 0;
      for (let i = 0; i < n; i++) count += responsibilities[own + i] as number;
      nk[c] = count;
      sumsOfProducts(n, responsibilities, own, columns, 0, this.sumPairs, this.products);
      sums.set(this.products.subarray(0, d), c * d);
    }
  }

  /**
   * M-step from the responsibilities and the sums accumulated with them. A component that lost
   * all its points keeps its parameters with zero weight (it no longer changes the likelihood or
   * the penalty, so EM stays monotone) instead of dividing by zero; on the first M-step
   * (`initial`) that is an error. The scatter is taken about the new means, in a second pass
   * (rather than as Σr·x² − Nₖ·μ², which cancels badly).
   */
  maximisation(initial: boolean): void {
    const { columns, n, d, responsibilities, nk, sums, solved, weighted, means, covariances, weights } = this;
    const { scatterPairs, products } = this;
    const { k, regularization } = this.params;
    const full = this.params.covariance === 'full';
    for (let c = 0; c < k; c++) {
      const count = nk[c] as number;
      if (count < 1e-10 * n) {
        if (initial) throw new RangeError(`component ${c} starts empty; are there duplicate points?`);
        weights[c] = 0;
        continue;
      }
      for (let a = 0; a < d; a++) means[c * d + a] = (sums[c * d + a] as number) / count;
      const own = c * n;
      const block = c * d * d;
      covariances.fill(0, block, block + d * d);
      if (full) {
        // Centred coordinates δᵢ = xᵢ − μ and rᵢ·δᵢ, then the lower triangle Σᵢ (rᵢ·δᵢₐ)·δᵢᵦ.
        for (let a = 0; a < d; a++) {
          const mu = means[c * d + a] as number;
          const column = a * n;
          for (let i = 0; i < n; i++) {
            const delta = (columns[column + i] as number) - mu;
            solved[column + i] = delta;
            weighted[column + i] = (responsibilities[own + i] as number) * delta;
          }
        }
        sumsOfProducts(n, weighted, 0, solved, 0, scatterPairs, products);
        for (let p = 0; p < scatterPairs.length / 2; p++) {
          const a = (scatterPairs[2 * p] as number) / n;
          const b = (scatterPairs[2 * p + 1] as number) / n;
          covariances[block + a * d + b] = products[p] as number;
        }
      } else {
        // Diagonal covariance only needs the variances Σᵢ (rᵢ·δᵢₐ)·δᵢₐ, two coordinates per pass.
        for (let a = 0; a < d; a += 2) {
          const b = Math.min(a + 1, d - 1);
          const muA = means[c * d + a] as number;
          const muB = means[c * d + b] as number;
          let sumA = 0;
          let sumB = 0;
          for (let i = 0; i < n; i++) {
            const r = responsibilities[own + i] as number;
            const deltaA = (columns[a * n + i] as number) - muA;
            const deltaB = (columns[b * n + i] as number) - muB;
            sumA += r * deltaA * deltaA;
            sumB += r * deltaB * deltaB;
          }
          covariances[block + a * d + a] = sumA;
          covariances[block + b * d + b] = sumB;
        }
      }
      // Σ = (S + reg·I) / Nₖ, mirrored from the lower triangle.
      for (let a = 0; a < d; a++) {
        for (let b = 0; b <= a; b++) {
          const scatter = covariances[block + a * d + b] as number;
          const value = (a === b ? scatter + regularization : scatter) / count;
          covariances[block + a * d + b] = value;
          covariances[block + b * d + a] = value;
        }
      }
      weights[c] = count / n;
      this.logWeights[c] = Math.log(count / n);
      this.factorise(c);
    }
  }

  /** Cholesky factor, log-determinant and tr(Σ⁻¹) of component c's covariance. */
  private factorise(c: number): void {
    const { d, covariances, chol, unit: solve } = this;
    const block = c * d * d;
    // Cholesky–Banachiewicz, row by row (the order ml-matrix's CholeskyDecomposition uses).
    let positiveDefinite = true;
    for (let j = 0; j < d; j++) {
      let diagonal = 0;
      for (let m = 0; m < j; m++) {
        let s = 0;
        for (let i = 0; i < m; i++) s += (chol[block + m * d + i] as number) * (chol[block + j * d + i] as number);
        s = ((covariances[block + j * d + m] as number) - s) / (chol[block + m * d + m] as number);
        chol[block + j * d + m] = s;
        diagonal = diagonal + s * s;
      }
      diagonal = (covariances[block + j * d + j] as number) - diagonal;
      positiveDefinite &&= diagonal > 0;
      chol[block + j * d + j] = Math.sqrt(Math.max(diagonal, 0));
      for (let m = j + 1; m < d; m++) chol[block + j * d + m] = 0;
    }
    if (!positiveDefinite) {
      throw new RangeError(`component ${c}: covariance is not positive definite; increase regularization`);
    }
    let logDet = 0;
    for (let j = 0; j < d; j++) {
      logDet += 2 * Math.log(chol[block + j * d + j] as number);
      this.inverse[c * d + j] = 1 / (chol[block + j * d + j] as number);
    }
    // tr(Σ⁻¹) = ‖L⁻¹‖²_F: solve L·x = eⱼ for each unit vector.
    let traceInverse = 0;
    for (let j = 0; j < d; j++) {
      for (let i = 0; i < d; i++) {
        let sum = i === j ? 1 : 0;
        for (let m = 0; m < i; m++) sum -= (chol[block + i * d + m] as number) * (solve[m] as number);
        solve[i] = sum / (chol[block + i * d + i] as number);
      }
      for (let i = 0; i < d; i++) traceInverse += (solve[i] as number) * (solve[i] as number);
    }
    this.constants[c] = d * LOG_2PI + logDet;
    this.traceInverse[c] = traceInverse;
  }
}

/** k-means++ seeding: first centre uniform, each next one drawn with probability ∝ squared distance. */
export function kmeansPlusPlusCentres(points: Points, k: number, random: Uniform): number[][] {
  const n = points.length;
  const centres = [[...(points[Math.floor(random.random() * n)] as number[])]];
  const nearest = points.map((p) => squaredDistance(p, centres[0] as number[]));
  while (centres.length < k) {
    const total = nearest.reduce((s, v) => s + v, 0);
    let chosen = n - 1;
    if (total > 0) {
      let target = random.random() * total;
      for (let i = 0; i < n; i++) {
        target -= nearest[i] as number;
        if (target < 0) {
          chosen = i;
          break;
        }
      }
    } else {
      chosen = Math.floor(random.random() * n);
    }
    const centre = [...(points[chosen] as number[])];
    centres.push(centre);
    for (let i = 0; i < n; i++)
      nearest[i] = Math.min(nearest[i] as number, squaredDistance(points[i] as number[], centre));
  }
  return centres;
}

function withDefaults(params: GaussianMixtureParams): Required<GaussianMixtureParams> {
  const full: Required<GaussianMixtureParams> = {
    regularization: 1e-6,
    tolerance: 1e-6,
    maxIterations: 200,
    nInit: 1,
    ...params,
  };
  if (!Number.isInteger(full.k) || full.k < 1)
    throw new RangeError(`k must be a positive integer, got ${full.k}`);
  if (!(full.regularization >= 0)) throw new RangeError('regularization must be ≥ 0');
  return full;
}

/** Coordinate a of point i at a·n + i. */
function columnsOf(points: Points): Float64Array {
  const n = points.length;
  const d = (points[0] as number[]).length;
  const columns = new Float64Array(d * n);
  for (let i = 0; i < n; i++) {
    const p = points[i] as number[];
    for (let a = 0; a < d; a++) columns[a * n + i] = p[a] as number;
  }
  return columns;
}

function fitOnce(
  columns: Float64Array,
  points: Points,
  params: Required<GaussianMixtureParams>,
  centres: readonly (readonly number[])[],
): GaussianMixtureFit {
  const n = points.length;
  const d = (points[0] as number[]).length;
  const { k } = params;
  const mixture = new Mixture(columns, n, d, params);
  // Start from a hard assignment to the nearest centre, then alternate E and M steps.
  const nearest = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const p = points[i] as number[];
    let best = 0;
    for (let c = 1; c < centres.length; c++) {
      if (squaredDistance(p, centres[c] as number[]) < squaredDistance(p, centres[best] as number[])) best = c;
    }
    nearest[i] = best;
  }
  mixture.assign(nearest);
  const { responsibilities } = mixture;
  mixture.maximisation(true);
  let step = mixture.expectation();
  const history = [step];
  let converged = false;
  let iterations = 0;
  while (iterations < params.maxIterations) {
    iterations++;
    mixture.maximisation(false);
    const next = mixture.expectation();
    history.push(next);
    const gain = next.objective - step.objective;
    step = next;
    if (gain < params.tolerance * n) {
      converged = true;
      break;
    }
  }
  const labels = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) {
      if ((responsibilities[c * n + i] as number) > (responsibilities[best * n + i] as number)) best = c;
    }
    labels[i] = best;
  }
  const covarianceParameters = params.covariance === 'full' ? (d * (d + 1)) / 2 : d;
  const freeParameters = k - 1 + k * d + k * covarianceParameters;
  const block = (array: Float64Array, c: number, size: number) => Array.from(array.subarray(c * size, c * size + size));
  return {
    labels,
    weights: Array.from(mixture.weights),
    means: Array.from({ length: k }, (_, c) => block(mixture.means, c, d)),
    covariances: Array.from({ length: k }, (_, c) => {
      const flat = block(mixture.covariances, c, d * d);
      return Array.from({ length: d }, (_, a) => flat.slice(a * d, a * d + d));
    }),
    logLikelihood: step.logLikelihood,
    objective: step.objective,
    history,
    iterations,
    converged,
    bic: -2 * step.logLikelihood + freeParameters * Math.log(n),
  };
}

/** The k-means++ centres each restart of a seeded fit starts from (restart i: stream (seed, i)). */
export function gaussianMixtureStarts(points: Points, k: number, nInit: number, seed: number): number[][][] {
  return Array.from({ length: nInit }, (_, start) =>
    kmeansPlusPlusCentres(points, k, restartStream(seed, 'gaussianMixture', start)),
  );
}

/** One EM run from the given centres (one per component): what each restart does. */
export function fitGaussianMixtureFrom(
  points: Points,
  params: GaussianMixtureParams,
  centres: readonly (readonly number[])[],
): GaussianMixtureFit {
  const full = withDefaults(params);
  assertPoints(points, full.k);
  if (centres.length !== full.k) throw new RangeError(`need ${full.k} centres, got ${centres.length}`);
  return fitOnce(columnsOf(points), points, full, centres);
}

export function fitGaussianMixture(
  points: Points,
  params: GaussianMixtureParams,
  seed: number,
): GaussianMixtureFit {
  const full = withDefaults(params);
  assertPoints(points, full.k);
  const columns = columnsOf(points);
  let best: GaussianMixtureFit | undefined;
  for (let start = 0; start < full.nInit; start++) {
    const centres = kmeansPlusPlusCentres(points, full.k, restartStream(seed, 'gaussianMixture', start));
    const fit = fitOnce(columns, points, full, centres);
    if (!best || fit.objective > best.objective) best = fit;
  }
  return best as GaussianMixtureFit;
}

export function runGaussianMixture(
  points: Points,
  params: GaussianMixtureParams,
  seed: number,
): ClusterResult {
  const fit = fitGaussianMixture(points, params, seed);
  return {
    labels: canonicalLabels(fit.labels),
    diagnostics: {
      logLikelihood: fit.logLikelihood,
      bic: fit.bic,
      iterations: fit.iterations,
      converged: fit.converged ? 1 : 0,
    },
  };
}
