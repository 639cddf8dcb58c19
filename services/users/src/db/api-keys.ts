import type { Kysely } from 'kysely';
import type { DB } from './schema.js';

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date | null;
  role: string | null;
}

const columns = ['id', 'name', 'prefix', 'created_at', 'last_used_at', 'expires_at', 'role'] as const;

export async function insertApiKey(
  db: Kysely<DB>,
  values: {
    userId: number;
    name: string;
    prefix: string;
    keyHash: Buffer;
    expiresAt: Date | null;
    role: string | null;
  },
): Promise<ApiKeyRow> {
  return db
    .insertInto('api_keys')
    .values({
      user_id: values.userId,
      name: values.name,
      prefix: values.prefix,
      key_hash: values.keyHash,
      expires_at: values.expiresAt,
      role: values.role,
      last_used_at: null,
      revoked_at: null,
    })
    .returning(columns)
    .executeTakeFirstOrThrow();
}

/** A user's unrevoked keys (expired ones too) in id order after `afterId` (0: from the first). */
export async function listApiKeysAfter(
  db: Kysely<DB>,
  userId: number,
  page: { afterId: number; limit: number },
): Promise<ApiKeyRow[]> {
  return db
    .selectFrom('api_keys')
    .select(columns)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('id', '>', String(page.afterId))
    .orderBy('id')
    .limit(page.limit)
    .execute();
}

/** Revokes an unrevoked key, only if `ownerId` (when given) owns it; whether one was revoked. */
export async function revokeApiKeyRow(
  db: Kysely<DB>,
  keyId: number,
  ownerId: number | undefined,
): Promise<boolean> {
  let query = db
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('id', '=', String(keyId))
    .where('revoked_at', 'is', null);
  if (ownerId !== undefined) query = query.where('user_id', '=', ownerId);
  const result = await query.executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** An unrevoked key of an enabled account (expired or not), with its owner, by the key's hash. */
export async function findActiveApiKey(db: Kysely<DB>, keyHash: Buffer) {
  return db
    .selectFrom('api_keys')
    .innerJoin('users', 'users.id', 'api_keys.user_id')
    .select([
      'api_keys.id as keyId',
      'api_keys.last_used_at',
      'api_keys.expires_at',
      'api_keys.role',
      'users.id',
      'users.username',
      'users.roles',
    ])
    .where('api_keys.key_hash', '=', keyHash)
    .where('api_keys.revoked_at', 'is', null)
    .where('users.disabled', '=', false)
    .executeTakeFirst();
}

export async function touchApiKey(db: Kysely<DB>, keyId: string): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: new Date() }).where('id', '=', keyId).execute();
}
