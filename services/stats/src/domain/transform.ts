import { PCA } from 'ml-pca';
import type { PlayerStatRow } from './parse.js';

/**
 * From parsed Per36 rows to the matrices the clusterers see:
 * derive two-point columns, merge regular season and playoffs per player, keep eligible
 * players, standardise the chosen features, reduce them with PCA.
 */

/** Per36 rates that can be merged and used as features (FG2M/FG2A are derived). */
export const RATE_STATS = [
  'fgm',
  'fga',
  'fg2m',
  'fg2a',
  'fg3m',
  'fg3a',
  'ftm',
  'fta',
  'oreb',
  'dreb',
  'reb',
  'ast',
  'tov',
  'stl',
  'blk',
  'blka',
  'pf',
  'pfd',
  'pts',
] as const;
export type RateStat = (typeof RATE_STATS)[number];
export type Rates = Record<RateStat, number>;

/**
 * Default features: how a player scores and what else he does, without exact linear
 * combinations of other features (FGM/FGA = two + three, REB = OREB + DREB, PTS = 2·FG2M + 3·FG3M + FTM)
 * which would only add redundant directions to the PCA.
 */
export const DEFAULT_FEATURES: readonly RateStat[] = [
  'fg2m',
  'fg2a',
  'fg3m',
  'fg3a',
  'ftm',
  'fta',
  'oreb',
  'dreb',
  'ast',
  'tov',
  'stl',
  'blk',
  'blka',
  'pf',
  'pfd',
];

export interface TransformConfig {
  /** Weight of one playoff game relative to one regular-season game when merging rates. */
  playoffWeight: number;
  /** Eligible when total minutes (both season types) reach this… */
  minMinutes: number;
  /** …or total games played reach this. */
  minGames: number;
  features: readonly RateStat[];
  /** Keep the fewest principal components whose cumulative explained variance reaches this share. */
  varianceToKeep: number;
}

export const DEFAULT_TRANSFORM: TransformConfig = {
  playoffWeight: 2,
  minMinutes: 800,
  minGames: 40,
  features: DEFAULT_FEATURES,
  varianceToKeep: 0.9,
};

export interface MergedPlayer {
  playerId: number;
  playerName: string;
  teamAbbreviation: string;
  gpRegular: number;
  gpPlayoffs: number;
  /** Total minutes over both season types (Per36 responses still report total MIN). */
  minutes: number;
  /** Per36 rates, game-weighted over both season types. */
  rates: Rates;
}

export function ratesOf(row: PlayerStatRow): Rates {
  return {
    fgm: row.fgm,
    fga: row.fga,
    fg2m: row.fgm - row.fg3m,
    fg2a: row.fga - row.fg3a,
    fg3m: row.fg3m,
    fg3a: row.fg3a,
    ftm: row.ftm,
    fta: row.fta,
    oreb: row.oreb,
    dreb: row.dreb,
    reb: row.reb,
    ast: row.ast,
    tov: row.tov,
    stl: row.stl,
    blk: row.blk,
    blka: row.blka,
    pf: row.pf,
    pfd: row.pfd,
    pts: row.pts,
  };
}

/**
 * One entry per player in either list, ordered by player id. Each rate is
 * (GP_r·x_r + w·GP_p·x_p) / (GP_r + w·GP_p) with w = playoffWeight.
 */
export function mergeSeasonTypes(
  regular: readonly PlayerStatRow[],
  playoffs: readonly PlayerStatRow[],
  playoffWeight: number = DEFAULT_TRANSFORM.playoffWeight,
): MergedPlayer[] {
  if (!(playoffWeight >= 0)) throw new RangeError(`playoffWeight must be ≥ 0, got ${playoffWeight}`);
  const byId = new Map<number, { regular?: PlayerStatRow; playoffs?: PlayerStatRow }>();
  for (const row of regular) byId.set(row.playerId, { regular: row });
  for (const row of playoffs) byId.set(row.playerId, { ...byId.get(row.playerId), playoffs: row });

  return [...byId.entries()]
    .sort(([a], [b]) => a - b)
    .map(([playerId, { regular: r, playoffs: p }]) => {
      const anyRow = (r ?? p) as PlayerStatRow;
      const wr = r?.gp ?? 0;
      const wp = playoffWeight * (p?.gp ?? 0);
      const rr = r ? ratesOf(r) : undefined;
      const rp = p ? ratesOf(p) : undefined;
      const rates = {} as Rates;
      for (const stat of RATE_STATS) {
        const total = wr + wp;
        // A player with zero weight on both sides (0 GP) keeps his regular-season rates.
        rates[stat] =
          total > 0 ? (wr * (rr?.[stat] ?? 0) + wp * (rp?.[stat] ?? 0)) / total : ((rr ?? rp)?.[stat] ?? 0);
      }
      return {
        playerId,
        playerName: anyRow.playerName,
        teamAbbreviation: (r ?? anyRow).teamAbbreviation,
        gpRegular: r?.gp ?? 0,
        gpPlayoffs: p?.gp ?? 0,
        minutes: (r?.min ?? 0) + (p?.min ?? 0),
        rates,
      };
    });
}

export function isEligible(
  player: MergedPlayer,
  config: Pick<TransformConfig, 'minMinutes' | 'minGames'> = DEFAULT_TRANSFORM,
): boolean {
  return player.minutes >= config.minMinutes || player.gpRegular + player.gpPlayoffs >= config.minGames;
}

export interface Standardised {
  z: number[][];
  means: number[];
  /** Population standard deviations (divide by n), as scikit-learn's StandardScaler. */
  stdevs: number[];
}

export function standardise(matrix: readonly (readonly number[])[]): Standardised {
  const n = matrix.length;
  const d = matrix[0]?.length ?? 0;
  if (n === 0) throw new RangeError('cannot standardise an empty matrix');
  const means = Array.from({ length: d }, (_, j) => matrix.reduce((s, row) => s + (row[j] as number), 0) / n);
  const stdevs = means.map((mean, j) =>
    Math.sqrt(matrix.reduce((s, row) => s + ((row[j] as number) - mean) ** 2, 0) / n),
  );
  // A constant column carries no information: it becomes all zeros rather than NaN.
  const z = matrix.map((row) =>
    row.map((x, j) => ((stdevs[j] as number) > 0 ? (x - (means[j] as number)) / (stdevs[j] as number) : 0)),
  );
  return { z, means, stdevs };
}

export interface Reduced {
  /** Scores on the kept components: the space the clusterers see. */
  modelSpace: number[][];
  /** Scores on the first two components, for plots. */
  projection2d: [number, number][];
  explainedVariance: number[];
  components: number;
}

/**
 * PCA on already standardised data. Component signs are fixed (largest loading positive)
 * so the same data always gives the same picture.
 */
export function reduceDimensions(z: readonly (readonly number[])[], varianceToKeep: number): Reduced {
  if (!(varianceToKeep > 0 && varianceToKeep <= 1)) {
    throw new RangeError(`varianceToKeep must be in (0, 1], got ${varianceToKeep}`);
  }
  const data = z.map((row) => [...row]);
  const pca = new PCA(data, { center: true, scale: false });
  const explainedVariance = pca.getExplainedVariance();
  const cumulative = pca.getCumulativeVariance();
  // 1e-12 absorbs rounding when the target is exactly reached.
  const found = cumulative.findIndex((c) => c >= varianceToKeep - 1e-12);
  const components = Math.max(found < 0 ? cumulative.length : found + 1, Math.min(2, cumulative.length));
  const scores = pca.predict(data).to2DArray();
  const loadings = pca.getEigenvectors().to2DArray();
  const signs = explainedVariance.map((_, j) => {
    let best = 0;
    for (const row of loadings) if (Math.abs(row[j] as number) > Math.abs(best)) best = row[j] as number;
    return best < 0 ? -1 : 1;
  });
  const signed = scores.map((row) => row.map((x, j) => x * (signs[j] as number)));
  return {
    modelSpace: signed.map((row) => row.slice(0, components)),
    projection2d: signed.map((row) => [row[0] ?? 0, row[1] ?? 0]),
    explainedVariance,
    components,
  };
}

export interface PreparedData extends Reduced {
  /** Eligible players, in row order of every matrix below. */
  players: MergedPlayer[];
  features: readonly RateStat[];
  /** Raw merged feature values per player. */
  featureMatrix: number[][];
  standardised: Standardised;
  config: TransformConfig;
}

export function prepareFeatures(
  regular: readonly PlayerStatRow[],
  playoffs: readonly PlayerStatRow[],
  overrides: Partial<TransformConfig> = {},
): PreparedData {
  const config = { ...DEFAULT_TRANSFORM, ...overrides };
  if (config.features.length < 2) throw new RangeError('at least two features are needed');
  const players = mergeSeasonTypes(regular, playoffs, config.playoffWeight).filter((p) =>
    isEligible(p, config),
  );
  if (players.length < 3) throw new RangeError(`only ${players.length} eligible players; need at least 3`);
  const featureMatrix = players.map((p) => config.features.map((f) => p.rates[f]));
  const standardised = standardise(featureMatrix);
  return {
    players,
    features: config.features,
    featureMatrix,
    standardised,
    config,
    ...reduceDimensions(standardised.z, config.varianceToKeep),
  };
}
