import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { findSnapshots, latestSnapshot, type SnapshotSummary, snapshotBody } from '../db/snapshots.js';
import { parseLeagueDash } from '../domain/parse.js';
import type { PipelineInput } from '../domain/pipeline.js';

/** Which snapshots make up a season's data set, and their parsed rows. */

export interface SeasonSnapshots {
  season: string;
  regular: SnapshotSummary;
  playoffs: SnapshotSummary | undefined;
}

/** The newest Per36 regular-season snapshot of a season and, when there is one, its newest playoffs. */
export async function latestSeasonSnapshots(
  db: Kysely<DB>,
  season: string,
): Promise<SeasonSnapshots | undefined> {
  const [regular, playoffs] = await Promise.all([
    latestSnapshot(db, season, 'Regular Season', 'Per36'),
    latestSnapshot(db, season, 'Playoffs', 'Per36'),
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
  const notPer36 = found.filter((s) => s.perMode !== 'Per36');
  if (notPer36.length > 0) {
    return {
      problem: `snapshot ${notPer36.map((s) => `${s.id} is ${s.perMode}`).join(', ')}; training needs Per36`,
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

/** Parsed rows of a season's snapshots, ready for the pipeline. */
export async function loadInput(db: Kysely<DB>, set: SeasonSnapshots): Promise<PipelineInput> {
  const [regular, playoffs] = await Promise.all([
    snapshotBody(db, set.regular.id),
    set.playoffs ? snapshotBody(db, set.playoffs.id) : Promise.resolve(undefined),
  ]);
  return {
    regular: parseLeagueDash(regular).rows,
    playoffs: playoffs === undefined ? [] : parseLeagueDash(playoffs).rows,
  };
}
