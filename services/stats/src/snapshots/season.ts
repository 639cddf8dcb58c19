import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { findSnapshots, latestSnapshot, type SnapshotSummary, snapshotBody } from '../db/snapshots.js';
import { parseLeagueDash } from '../domain/parse.js';
import { isUsablePerMode, toPer36, USABLE_PER_MODES } from '../domain/perMode.js';
import type { PipelineInput } from '../domain/pipeline.js';

/** Which snapshots make up a season's data set, and their parsed rows. */

export interface SeasonSnapshots {
  season: string;
  regular: SnapshotSummary;
  playoffs: SnapshotSummary | undefined;
}

/**
 * The newest regular-season snapshot of a season (Per36 or Totals, whichever came last) and, when
 * there is one, its newest playoffs.
 */
export async function latestSeasonSnapshots(
  db: Kysely<DB>,
  season: string,
): Promise<SeasonSnapshots | undefined> {
  const [regular, playoffs] = await Promise.all([
    latestSnapshot(db, season, 'Regular Season', USABLE_PER_MODES),
    latestSnapshot(db, season, 'Playoffs', USABLE_PER_MODES),
  ]);
  return regular ? { season, regular, playoffs } : undefined;
}

/** Why a list of snapshot ids cannot be trained on, or the season data set they form. */
export async function snapshotsById(
  db: Kysely<DB>,
  ids: readonly number[],
): Promise<SeasonSnapshots | { problem: string }> {
  const found = await findSnapshots(db, ids);
  const missing = ids.filter((id) => !found.some((s) => s.id === id));
  if (missing.length > 0) return { problem: `snapshot ${missing.join(', ')} does not exist` };
  const unusable = found.filter((s) => !isUsablePerMode(s.perMode));
  if (unusable.length > 0) {
    return {
      problem: `snapshot ${unusable.map((s) => `${s.id} is ${s.perMode}`).join(', ')}; training needs Per36 or Totals`,
    };
  }
  const seasons = new Set(found.map((s) => s.season));
  if (seasons.size > 1)
    return { problem: `snapshots span seasons ${[...seasons].join(', ')}; choose one season` };
  const regular = found.filter((s) => s.seasonType === 'Regular Season');
  const playoffs = found.filter((s) => s.seasonType === 'Playoffs');
  if (regular.length !== 1) {
    return { problem: `choose exactly one Regular Season snapshot (got ${regular.length})` };
  }
  if (playoffs.length > 1)
    return { problem: `choose at most one Playoffs snapshot (got ${playoffs.length})` };
  return {
    season: regular[0]?.season as string,
    regular: regular[0] as SnapshotSummary,
    playoffs: playoffs[0],
  };
}

export function snapshotIdsOf(set: SeasonSnapshots): number[] {
  return set.playoffs ? [set.regular.id, set.playoffs.id] : [set.regular.id];
}

/** A snapshot's rows as Per36 rates (a Totals snapshot converted). */
async function per36Rows(db: Kysely<DB>, snapshot: SnapshotSummary) {
  const { rows } = parseLeagueDash(await snapshotBody(db, snapshot.id));
  // Only usable per-modes get here: latestSeasonSnapshots and snapshotsById pick no other.
  if (!isUsablePerMode(snapshot.perMode)) throw new Error(`snapshot ${snapshot.id} is ${snapshot.perMode}`);
  return toPer36(rows, snapshot.perMode);
}

/** Parsed rows of a season's snapshots as Per36 rates, ready for the pipeline. */
export async function loadInput(db: Kysely<DB>, set: SeasonSnapshots): Promise<PipelineInput> {
  const [regular, playoffs] = await Promise.all([
    per36Rows(db, set.regular),
    set.playoffs ? per36Rows(db, set.playoffs) : Promise.resolve([]),
  ]);
  return { regular, playoffs };
}
