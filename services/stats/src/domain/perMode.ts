import type { PlayerStatRow } from './parse.js';
import { RATE_STATS, type RateStat } from './transform.js';

/**
 * The service clusters per-36-minute rates. A `Totals` response carries the same counts over
 * the whole season with total minutes (`MIN`), so its rates follow exactly: count × 36 / MIN.
 * `PerGame` responses are not converted: stats.nba.com rounds them to one decimal, which turns a
 * 0.1-blocks-per-game player into anything from 0.05 to 0.15 — too coarse for per-36 rates.
 */

/** Per-modes the service can train on: stored as sent, read as Per36 rates. */
export const USABLE_PER_MODES = ['Per36', 'Totals'] as const;
export type UsablePerMode = (typeof USABLE_PER_MODES)[number];

export const isUsablePerMode = (perMode: string): perMode is UsablePerMode =>
  (USABLE_PER_MODES as readonly string[]).includes(perMode);

/** Every counting column: the rates but the derived two-point ones; `GP`, `MIN`, `AGE` and the id stay as they are. */
type Count = Exclude<RateStat, 'fg2m' | 'fg2a'>;
const COUNTS = RATE_STATS.filter((stat): stat is Count => stat !== 'fg2m' && stat !== 'fg2a') satisfies readonly (keyof PlayerStatRow)[];

/** Rows as Per36 rates (`MIN` stays total minutes, as in a Per36 response). */
export function toPer36(rows: readonly PlayerStatRow[], perMode: UsablePerMode): PlayerStatRow[] {
  if (perMode === 'Per36') return [...rows];
  return rows.map((row) => {
    const per36 = { ...row };
    // A player listed with no minutes has no rate: 0 rather than NaN (his counts are 0 too).
    const factor = row.min > 0 ? 36 / row.min : 0;
    for (const stat of COUNTS) per36[stat] = row[stat] * factor;
    return per36;
  });
}
