import { notFound, type Principal, ROLES } from '@flotilla/kit';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { newToken, tokenHash } from './secrets.js';

export interface ApiKey {
  id: number;
  name: string;
  /** The first characters of the key, enough to recognise it; the key itself is never stored. */
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
}

interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
}

const toApiKey = (row: ApiKeyRow): ApiKey => ({
  id: Number(row.id),
  name: row.name,
  prefix: row.prefix,
  createdAt: row.created_at.toISOString(),
  lastUsedAt: row.last_used_at?.toISOString() ?? null,
});

/** Creates a key for a user; the returned `key` is the only time it is ever visible. */
export async function createApiKey(
  db: Kysely<DB>,
  userId: number,
  name: string,
): Promise<ApiKey & { key: string }> {
  const key = newToken('flk_');
  const row = await db
    .insertInto('api_keys')
    .values({
      user_id: userId,
      name,
      prefix: key.slice(0, 10),
      key_hash: tokenHash(key),
      last_used_at: null,
      revoked_at: null,
    })
    .returning(['id', 'name', 'prefix', 'created_at', 'last_used_at'])
    .executeTakeFirstOrThrow();
  return { ...toApiKey(row), key };
}

export async function listApiKeys(db: Kysely<DB>, userId: number): Promise<ApiKey[]> {
  const rows = await db
    .selectFrom('api_keys')
    .select(['id', 'name', 'prefix', 'created_at', 'last_used_at'])
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .orderBy('id')
    .execute();
  return rows.map(toApiKey);
}

/** Revokes one of the user's keys (admins: anyone's). 404 rather than 403 for others' keys. */
export async function revokeApiKey(db: Kysely<DB>, keyId: number, caller: Principal): Promise<void> {
  let query = db
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('id', '=', String(keyId))
    .where('revoked_at', 'is', null);
  if (!caller.roles.includes('admin')) query = query.where('user_id', '=', caller.userId);
  const result = await query.executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw notFound(`no API key with id ${keyId}`);
}

/**
 * The principal behind a key, read afresh on every call: revocation, disabling the account and
 * role changes take effect on the very next request. Undefined for unknown or revoked keys.
 */
export async function resolveApiKey(db: Kysely<DB>, key: string): Promise<Principal | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .innerJoin('users', 'users.id', 'api_keys.user_id')
    .select(['api_keys.id as keyId', 'api_keys.last_used_at', 'users.id', 'users.username', 'users.roles'])
    .where('api_keys.key_hash', '=', tokenHash(key))
    .where('api_keys.revoked_at', 'is', null)
    .where('users.disabled', '=', false)
    .executeTakeFirst();
  if (!row) return undefined;
  // At most one write a minute per key, not one per request.
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
    await db.updateTable('api_keys').set({ last_used_at: new Date() }).where('id', '=', row.keyId).execute();
  }
  return {
    userId: Number(row.id),
    username: row.username,
    roles: ROLES.filter((role) => row.roles.includes(role)),
    via: 'api-key',
  };
}
