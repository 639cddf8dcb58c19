import { conflict, cursorCodec, notFound, SQLSTATE, sqlState, toPage, Type } from '@flotilla/kit';
import type { Kysely } from 'kysely';
import {
  findRun,
  listRuns,
  productionRun,
  promoteRun,
  type RunFilter,
  type RunRecord,
  runArtifact,
} from '../db/runs.js';
import type { DB } from '../db/schema.js';
import { findSnapshots } from '../db/snapshots.js';
import type { PlayerAssignment } from '../domain/pipeline.js';
import { MAX_INTEGER } from '../limits.js';

/** Tracked runs: listed and ranked, read with their labels, promoted to production. */

const RunId = Type.Integer({ minimum: 1, maximum: MAX_INTEGER });
// One cursor shape per order, so a cursor of one order is refused by the other.
const recentCursors = cursorCodec(Type.Object({ id: RunId }, { additionalProperties: false }));
const scoreCursors = cursorCodec(
  Type.Object({ score: Type.Union([Type.Number(), Type.Null()]), id: RunId }, { additionalProperties: false }),
);

export type RunSort = 'score' | 'recent';

export async function runsPage(
  db: Kysely<DB>,
  filter: RunFilter,
  page: { sort: RunSort; limit: number; cursor?: string | undefined },
): Promise<{ items: RunRecord[]; nextCursor: string | null }> {
  const { limit, cursor } = page;
  if (page.sort === 'score') {
    const rows = await listRuns(db, filter, { sort: 'score', limit: limit + 1, after: scoreCursors.decode(cursor) });
    return toPage(rows, limit, (run) => run, (last) => scoreCursors.encode({ score: last.rankingScore, id: last.id }));
  }
  const rows = await listRuns(db, filter, { sort: 'recent', limit: limit + 1, after: recentCursors.decode(cursor) });
  return toPage(rows, limit, (run) => run, (last) => recentCursors.encode({ id: last.id }));
}

export async function getRun(db: Kysely<DB>, id: number): Promise<RunRecord> {
  const run = await findRun(db, id);
  if (!run) throw notFound(`run ${id} does not exist`);
  return run;
}

/** A run and each player's label and position; `players` is null until the run finished. */
export async function getRunWithPlayers(
  db: Kysely<DB>,
  id: number,
): Promise<{ run: RunRecord; players: PlayerAssignment[] | null }> {
  const run = await getRun(db, id);
  const players = ((await runArtifact(db, run.id, 'assignments')) ?? null) as PlayerAssignment[] | null;
  return { run, players };
}

/** Makes a finished run production, archiving the previous one. */
export async function promote(
  db: Kysely<DB>,
  id: number,
): Promise<{ run: RunRecord; archivedRunIds: number[] }> {
  let outcome: Awaited<ReturnType<typeof promoteRun>>;
  try {
    outcome = await promoteRun(db, id);
  } catch (error) {
    // runs_one_production: another promotion committed between our statements.
    if (sqlState(error) === SQLSTATE.uniqueViolation) {
      throw conflict('another run was promoted at the same moment; retry');
    }
    throw error;
  }
  if (outcome === 'not-found') throw notFound(`run ${id} does not exist`);
  if (outcome === 'not-finished') {
    throw conflict(`run ${id} has not finished; only finished runs can be promoted`);
  }
  return { run: await getRun(db, id), archivedRunIds: outcome.archived };
}

/** The production run, its players' labels, and each label's size. */
export async function productionClusters(db: Kysely<DB>) {
  const run = await productionRun(db);
  if (!run) throw notFound('no run has been promoted to production yet; POST /stats/runs/{id}/promote');
  const players = ((await runArtifact(db, run.id, 'assignments')) ?? []) as PlayerAssignment[];
  const sizes = new Map<number, number>();
  for (const player of players) sizes.set(player.label, (sizes.get(player.label) ?? 0) + 1);
  const snapshots = await findSnapshots(db, run.snapshotIds);
  return {
    run,
    season: snapshots[0]?.season ?? null,
    clusters: [...sizes.entries()].sort(([a], [b]) => a - b).map(([label, size]) => ({ label, size })),
    players,
  };
}
