/**
 * Keeps the console sandbox's copy of `translations` equal to the service's table. Rows are only
 * ever inserted (with increasing ids) or deleted, never updated, so a copy is brought up to date
 * by deleting the rows that are gone and appending those above the highest id it holds.
 */
import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import type { CopiedRow } from './sandbox-protocol.js';
import type { SandboxThread } from './sandbox-thread.js';

/** What a sandbox holds: its rows, their highest id, and the database's state it was copied at. */
export interface CopyState {
  /** The service database's next transaction id when the copy was last brought up to date. */
  mark: string;
  maxId: number;
  rows: number;
}

/**
 * Rows are copied a few megabytes at a time: each chunk is one short query on the service's own
 * (single-connection) database, so the requests queued behind it wait milliseconds, not seconds.
 */
const CHUNK_BYTES = 2 * 1024 * 1024;
const SIZES_PER_QUERY = 500;

export async function syncCopy(
  db: Kysely<DB>,
  thread: SandboxThread,
  state: CopyState | undefined,
): Promise<CopyState> {
  // Any committed write advances it; reading it assigns nothing, so an unchanged table costs one query.
  const { mark } = (
    await sql<{ mark: string }>`select pg_snapshot_xmax(pg_current_snapshot())::text as mark`.execute(db)
  ).rows[0] ?? { mark: '' };
  if (state?.mark === mark) return state;
  let { maxId, rows } = state ?? { maxId: 0, rows: 0 };

  // On PGlite there is one connection, so ids commit in order and no row can appear below maxId
  // later: fewer rows at or below it means some were deleted.
  const counted = await sql<{ n: string }>`
    select count(*) as n from translations where id <= ${maxId}`.execute(db);
  const kept = Number(counted.rows[0]?.n);
  if (kept < rows) {
    const ids = await sql<{ id: string }>`
      select id::text as id from translations where id <= ${maxId}`.execute(db);
    await thread.call({ op: 'retain', ids: ids.rows.map((row) => row.id) });
    rows = kept;
  }

  for (;;) {
    const sizes = await sql<{ id: number; bytes: number }>`
      select id::float8 as id, (octet_length(text_de) + octet_length(text_en))::float8 as bytes
        from translations where id > ${maxId} order by id limit ${SIZES_PER_QUERY}`.execute(db);
    if (sizes.rows.length === 0) break;
    let last = sizes.rows[0]?.id ?? maxId;
    let bytes = 0;
    for (const row of sizes.rows) {
      bytes += row.bytes;
      if (bytes > CHUNK_BYTES && row.id !== sizes.rows[0]?.id) break;
      last = row.id;
    }
    // Text renderings keep every value exact (microseconds, 64-bit ids) across the copy.
    const chunk = await sql<CopiedRow>`
      select id::text as id, text_de, text_en, engine, chars, ms, owner_id::text as owner_id, owner,
             created_at::text as created_at
        from translations where id > ${maxId} and id <= ${last} order by id`.execute(db);
    await thread.call({ op: 'insert', rows: chunk.rows });
    rows += chunk.rows.length;
    maxId = last;
  }
  return { mark, maxId, rows };
}
