import { cursorCodec, notFound, toPage, Type } from '@flotilla/kit';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { DEFAULT_TRANSFORM, isEligible, type MergedPlayer, mergeSeasonTypes } from '../domain/transform.js';
import { MAX_INTEGER } from '../limits.js';
import { latestSeasonSnapshots, loadInput, snapshotIdsOf } from './season.js';

// Players come by player id; a page ends at one.
const cursors = cursorCodec(
  Type.Object({ playerId: Type.Integer({ minimum: 0, maximum: MAX_INTEGER }) }, { additionalProperties: false }),
);

/**
 * A page of a season's players, regular season and playoffs merged (Per36 rates, a Totals snapshot
 * converted) as training
 * merges them, with eligibility; and the facts every page shares: which snapshots, which rule.
 */
export async function seasonPlayers(
  db: Kysely<DB>,
  filter: { season: string; eligible?: boolean | undefined },
  page: { limit: number; cursor?: string | undefined },
) {
  const after = cursors.decode(page.cursor);
  const { season, eligible } = filter;
  const set = await latestSeasonSnapshots(db, season);
  if (!set) throw notFound(`no Regular Season snapshot (Per36 or Totals) of ${season}; fetch or import one first`);
  const input = await loadInput(db, set);
  // By player id (mergeSeasonTypes' order).
  const players: Array<MergedPlayer & { eligible: boolean }> = mergeSeasonTypes(
    input.regular,
    input.playoffs,
    DEFAULT_TRANSFORM.playoffWeight,
  )
    .map((player) => ({ ...player, eligible: isEligible(player) }))
    .filter((player) => eligible === undefined || player.eligible === eligible)
    .filter((player) => after === undefined || player.playerId > after.playerId);
  return {
    season,
    snapshotIds: snapshotIdsOf(set),
    eligibility: { minMinutes: DEFAULT_TRANSFORM.minMinutes, minGames: DEFAULT_TRANSFORM.minGames },
    playoffWeight: DEFAULT_TRANSFORM.playoffWeight,
    ...toPage(
      players.slice(0, page.limit + 1),
      page.limit,
      (player) => player,
      (last) => cursors.encode({ playerId: last.playerId }),
    ),
  };
}
