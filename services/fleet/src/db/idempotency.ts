import { type Kysely, sql } from 'kysely';
import type { DB } from './schema.js';

/** A key as stored: one caller's key for one operation. */
export interface KeyId {
  callerId: number;
  scope: string;
  key: string;
}

/**
 * Claims a key for this request: true when the row is (now) ours, false when a live row from an
 * earlier request exists. A row older than the TTL is taken over. A concurrent claimer of the same
 * key waits on the primary key until the first transaction ends, so a retry never runs twice.
 */
export async function claimKey(
  db: Kysely<DB>,
  claim: KeyId & { requestHash: string; ttlHours: number },
): Promise<boolean> {
  const result = await sql<{ key: string }>`
    insert into idempotency_keys (caller_id, scope, key, request_hash)
    values (${claim.callerId}, ${claim.scope}, ${claim.key}, ${claim.requestHash})
    on conflict (caller_id, scope, key) do update
      set request_hash = excluded.request_hash, status = null, response = null, created_at = now()
      where idempotency_keys.created_at < now() - make_interval(hours => ${claim.ttlHours}::int)
    returning key`.execute(db);
  return result.rows.length > 0;
}

export async function findKey(
  db: Kysely<DB>,
  id: KeyId,
): Promise<{ request_hash: string; status: number | null; response: unknown } | undefined> {
  return db
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'status', 'response'])
    .where('caller_id', '=', id.callerId)
    .where('scope', '=', id.scope)
    .where('key', '=', id.key)
    .executeTakeFirst();
}

export async function storeResponse(
  db: Kysely<DB>,
  stored: KeyId & { status: number; body: unknown },
): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ status: stored.status, response: JSON.stringify(stored.body) })
    .where('caller_id', '=', stored.callerId)
    .where('scope', '=', stored.scope)
    .where('key', '=', stored.key)
    .execute();
}

export async function purgeExpiredKeys(db: Kysely<DB>, ttlHours: number): Promise<number> {
  const result = await db
    .deleteFrom('idempotency_keys')
    .where(sql<boolean>`created_at < now() - make_interval(hours => ${ttlHours}::int)`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
