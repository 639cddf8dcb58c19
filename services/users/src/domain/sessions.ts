import { randomUUID } from 'node:crypto';
import { HttpProblem } from '@flotilla/kit';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import {
  findFamilyOf,
  findRefreshTokenForUpdate,
  insertRefreshToken,
  markRefreshTokenUsed,
  revokeFamily,
} from '../db/sessions.js';
import { findForLogin, getUser, type User } from './accounts.js';
import { verifyPassword } from './passwords.js';
import { newToken, tokenHash } from './secrets.js';

const invalidLogin = () => new HttpProblem(401, 'invalid username or password');

/**
 * Checks a username and password. Unknown user, wrong password, no password set and disabled
 * account all answer the same 401, so the answer does not reveal which accounts exist.
 */
export async function checkPassword(db: Kysely<DB>, username: string, password: string): Promise<User> {
  const found = await findForLogin(db, username);
  const matches = await verifyPassword(found?.passwordHash, password);
  if (!found || !matches || found.user.disabled) throw invalidLogin();
  return found.user;
}

/** Starts a new refresh-token family for a fresh login. */
export async function startSession(db: Kysely<DB>, userId: number, ttlSeconds: number): Promise<string> {
  return issueRefreshToken(db, userId, randomUUID(), ttlSeconds);
}

async function issueRefreshToken(
  db: Kysely<DB>,
  userId: number,
  familyId: string,
  ttlSeconds: number,
): Promise<string> {
  const token = newToken('flr_');
  await insertRefreshToken(db, {
    tokenHash: tokenHash(token),
    familyId,
    userId,
    expiresAt: new Date(Date.now() + ttlSeconds * 1000),
  });
  return token;
}

/**
 * Exchanges a refresh token for its successor. A token already exchanged once means two parties
 * hold copies: the whole family is revoked (committed before answering 401), so the thief and
 * the victim both have to log in again.
 */
export async function rotateRefreshToken(
  db: Kysely<DB>,
  token: string,
  ttlSeconds: number,
): Promise<{ user: User; refreshToken: string }> {
  const outcome = await db.transaction().execute(async (trx) => {
    const row = await findRefreshTokenForUpdate(trx, tokenHash(token));
    if (!row || row.revoked_at || row.expires_at.getTime() <= Date.now()) return { kind: 'invalid' as const };
    if (row.used_at) {
      await revokeFamily(trx, row.family_id);
      return { kind: 'reused' as const };
    }
    await markRefreshTokenUsed(trx, row.id);
    const user = await getUser(trx, Number(row.user_id));
    if (user.disabled) return { kind: 'invalid' as const };
    const refreshToken = await issueRefreshToken(trx, user.id, row.family_id, ttlSeconds);
    return { kind: 'rotated' as const, user, refreshToken };
  });
  if (outcome.kind === 'reused') {
    throw new HttpProblem(401, 'this refresh token was already used; every session of this login is revoked');
  }
  if (outcome.kind === 'invalid') throw new HttpProblem(401, 'the refresh token is not valid; log in again');
  return { user: outcome.user, refreshToken: outcome.refreshToken };
}

/** Ends the login a refresh token belongs to (its whole family). Unknown tokens are ignored. */
export async function endSession(db: Kysely<DB>, token: string): Promise<void> {
  const familyId = await findFamilyOf(db, tokenHash(token));
  if (familyId !== undefined) await revokeFamily(db, familyId);
}
