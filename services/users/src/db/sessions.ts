import { type Kysely, sql } from 'kysely';
import type { DB } from './schema.js';

export async function insertRefreshToken(
  db: Kysely<DB>,
  values: { tokenHash: Buffer; familyId: string; userId: number; expiresAt: Date; userAgent: string | null },
): Promise<void> {
  await db
    .insertInto('refresh_tokens')
    .values({
      token_hash: values.tokenHash,
      family_id: values.familyId,
      user_id: values.userId,
      expires_at: values.expiresAt,
      user_agent: values.userAgent,
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

/**
 * Revokes every refresh token of an account (disabled, its password reset, signed out
 * everywhere), except those of the family `keep` when given (the session asking).
 */
export async function revokeUserSessions(db: Kysely<DB>, userId: number, keep?: string): Promise<void> {
  let query = db
    .updateTable('refresh_tokens')
    .set({ revoked_at: new Date() })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null);
  if (keep !== undefined) query = query.where('family_id', '<>', keep);
  await query.execute();
}

export interface SessionRow {
  family_id: string;
  /** The family's first token: a stable key for pages, whatever rotates. */
  first_id: string;
  started_at: Date;
  /** When its live token was issued: the login, or the last refresh. */
  last_used_at: Date;
  expires_at: Date;
  user_agent: string | null;
}

/**
 * A user's live sessions (families whose latest token is neither used, revoked nor expired), in
 * the order they started, after the one whose first token is `afterId` (0: from the first).
 */
export async function listSessionsAfter(
  db: Kysely<DB>,
  userId: number,
  page: { afterId: number; limit: number },
): Promise<SessionRow[]> {
  return db
    .selectFrom('refresh_tokens as live')
    .innerJoin(
      (eb) =>
        eb
          .selectFrom('refresh_tokens')
          .select((inner) => [
            'family_id',
            inner.fn.min('id').as('first_id'),
            inner.fn.min('created_at').as('started_at'),
          ])
          .where('user_id', '=', userId)
          .groupBy('family_id')
          .as('family'),
      (join) => join.onRef('family.family_id', '=', 'live.family_id'),
    )
    .select([
      'live.family_id',
      'family.first_id',
      'family.started_at',
      'live.created_at as last_used_at',
      'live.expires_at',
      'live.user_agent',
    ])
    .where('live.user_id', '=', userId)
    .where('live.used_at', 'is', null)
    .where('live.revoked_at', 'is', null)
    .where('live.expires_at', '>', sql<Date>`now()`)
    .where('family.first_id', '>', String(page.afterId))
    .orderBy('family.first_id')
    .limit(page.limit)
    .execute();
}
