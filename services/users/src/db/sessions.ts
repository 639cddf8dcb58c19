import type { Kysely } from 'kysely';
import type { DB } from './schema.js';

export async function insertRefreshToken(
  db: Kysely<DB>,
  values: { tokenHash: Buffer; familyId: string; userId: number; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('refresh_tokens')
    .values({
      token_hash: values.tokenHash,
      family_id: values.familyId,
      user_id: values.userId,
      expires_at: values.expiresAt,
      used_at: null,
      revoked_at: null,
    })
    .execute();
}

/**
 * A refresh token by its hash, row-locked for the rest of the transaction: two concurrent uses of
 * one token are serialised, and the second sees it used.
 */
export async function findRefreshTokenForUpdate(db: Kysely<DB>, tokenHash: Buffer) {
  return db
    .selectFrom('refresh_tokens')
    .select(['id', 'family_id', 'user_id', 'expires_at', 'used_at', 'revoked_at'])
    .where('token_hash', '=', tokenHash)
    .forUpdate()
    .executeTakeFirst();
}

export async function findFamilyOf(db: Kysely<DB>, tokenHash: Buffer): Promise<string | undefined> {
  const row = await db
    .selectFrom('refresh_tokens')
    .select('family_id')
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  return row?.family_id;
}

export async function markRefreshTokenUsed(db: Kysely<DB>, id: string): Promise<void> {
  await db.updateTable('refresh_tokens').set({ used_at: new Date() }).where('id', '=', id).execute();
}

export async function revokeFamily(db: Kysely<DB>, familyId: string): Promise<void> {
  await db
    .updateTable('refresh_tokens')
    .set({ revoked_at: new Date() })
    .where('family_id', '=', familyId)
    .where('revoked_at', 'is', null)
    .execute();
}

/** Revokes every refresh token of an account (disabled, or its password reset). */
export async function revokeUserSessions(db: Kysely<DB>, userId: number): Promise<void> {
  await db
    .updateTable('refresh_tokens')
    .set({ revoked_at: new Date() })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
}
