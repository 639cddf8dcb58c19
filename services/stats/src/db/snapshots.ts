import { type Kysely, sql } from 'kysely';
import type { DB, SnapshotSource } from './schema.js';

export interface SnapshotSummary {
  id: number;
  season: string;
  seasonType: string;
  perMode: string;
  fetchedAt: Date;
  source: SnapshotSource;
  playerCount: number;
  columns: string[];
  origin: string | null;
  createdAt: Date;
}

export interface NewSnapshot {
  season: string;
  seasonType: string;
  perMode: string;
  fetchedAt: Date;
  source: SnapshotSource;
  playerCount: number;
  columns: string[];
  origin: string | null;
  rawResponse: unknown;
}

const SUMMARY = [
  'id',
  'season',
  'season_type as seasonType',
  'per_mode as perMode',
  'fetched_at as fetchedAt',
  'source',
  'player_count as playerCount',
  'columns',
  'origin',
  'created_at as createdAt',
] as const;

export async function insertSnapshot(db: Kysely<DB>, snapshot: NewSnapshot): Promise<SnapshotSummary> {
  return db
    .insertInto('snapshots')
    .values({
      season: snapshot.season,
      season_type: snapshot.seasonType,
      per_mode: snapshot.perMode,
      fetched_at: snapshot.fetchedAt,
      source: snapshot.source,
      player_count: snapshot.playerCount,
      columns: snapshot.columns,
      origin: snapshot.origin,
      raw_response: JSON.stringify(snapshot.rawResponse),
    })
    .returning(SUMMARY)
    .executeTakeFirstOrThrow();
}

export interface SnapshotFilter {
  season?: string | undefined;
  seasonType?: string | undefined;
  perMode?: string | undefined;
}

/**
 * Snapshots newest first (`fetched_at desc, id desc`), `limit` of them, after the snapshot
 * `afterId` when given. The position is looked up rather than carried in the cursor, so the
 * comparison uses the stored timestamp exactly (snapshots are never deleted).
 */
export async function listSnapshots(
  db: Kysely<DB>,
  filter: SnapshotFilter,
  page: { limit: number; afterId: number | undefined },
): Promise<SnapshotSummary[]> {
  let query = db.selectFrom('snapshots').select(SUMMARY);
  if (filter.season) query = query.where('season', '=', filter.season);
  if (filter.seasonType) query = query.where('season_type', '=', filter.seasonType);
  if (filter.perMode) query = query.where('per_mode', '=', filter.perMode);
  if (page.afterId !== undefined) {
    query = query.where(
      sql<boolean>`(fetched_at, id) < (select s.fetched_at, s.id from snapshots s where s.id = ${page.afterId})`,
    );
  }
  return query.orderBy('fetched_at', 'desc').orderBy('id', 'desc').limit(page.limit).execute();
}

export async function findSnapshot(db: Kysely<DB>, id: number): Promise<SnapshotSummary | undefined> {
  return db.selectFrom('snapshots').select(SUMMARY).where('id', '=', id).executeTakeFirst();
}

export async function findSnapshots(db: Kysely<DB>, ids: readonly number[]): Promise<SnapshotSummary[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('snapshots').select(SUMMARY).where('id', 'in', ids).execute();
}

/** The newest snapshot of a season and season type in one of the given per-modes, if any. */
export async function latestSnapshot(
  db: Kysely<DB>,
  season: string,
  seasonType: string,
  perModes: readonly string[],
): Promise<SnapshotSummary | undefined> {
  return db
    .selectFrom('snapshots')
    .select(SUMMARY)
    .where('season', '=', season)
    .where('season_type', '=', seasonType)
    .where('per_mode', 'in', perModes)
    .orderBy('fetched_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function snapshotBody(db: Kysely<DB>, id: number): Promise<unknown> {
  const row = await db.selectFrom('snapshots').select('raw_response').where('id', '=', id).executeTakeFirst();
  return row?.raw_response;
}
