import { randomUUID } from 'node:crypto';
import { HttpProblem } from '@flotilla/kit';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import {
  findFamilyOf,
  findRefreshTokenForUpdate,
  insertRefreshToken,
  listSessionsAfter,
  markRefreshTokenUsed,
  revokeFamily,
  revokeUserSessions,
  type SessionRow,
} from '../db/sessions.js';
import { findForLogin, getUser, type User } from './accounts.js';
import { verifyPassword } from './passwords.js';
import { afterIdOf, idPage, type PageRequest } from './page.js';
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

/** What a session remembers of the client that holds it: its User-Agent, if it sent one. */
export interface SessionClient {
  userAgent: string | undefined;
}

/** Long enough to tell browsers apart; no client gets to store more. */
const USER_AGENT_MAX_LENGTH = 256;

/** Starts a new refresh-token family for a fresh login. */
export async function startSession(
  db: Kysely<DB>,
  userId: number,
  ttlSeconds: number,
  client: SessionClient,
): Promise<string> {
  return issueRefreshToken(db, userId, randomUUID(), ttlSeconds, client);
}

async function issueRefreshToken(
  db: Kysely<DB>,
  userId: number,
  familyId: string,
  ttlSeconds: number,
  client: SessionClient,
): Promise<string> {
  const token = newToken('flr_');
  await insertRefreshToken(db, {
    tokenHash: tokenHash(token),
    familyId,
    userId,
    expiresAt: new Date(Date.now() + ttlSeconds * 1000),
    userAgent: client.userAgent ? [...client.userAgent].slice(0, USER_AGENT_MAX_LENGTH).join('') : null,
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
  client: SessionClient,
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
    const refreshToken = await issueRefreshToken(trx, user.id, row.family_id, ttlSeconds, client);
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

/** The login a refresh token belongs to (its family's id), if it is one of ours. */
export async function sessionOf(db: Kysely<DB>, token: string | undefined): Promise<string | undefined> {
  return token === undefined ? undefined : findFamilyOf(db, tokenHash(token));
}

/** A signed-in session as its owner sees it. */
export interface Session {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  userAgent: string | null;
  current: boolean;
}

/** A user's live sessions in the order they started, a page at a time; `current` marks the caller's. */
export async function listSessions(
  db: Kysely<DB>,
  userId: number,
  page: PageRequest,
  currentId: string | undefined,
) {
  const rows = await listSessionsAfter(db, userId, { afterId: afterIdOf(page), limit: page.limit + 1 });
  const toSession = (row: SessionRow): Session => ({
    id: row.family_id,
    createdAt: row.started_at.toISOString(),
    lastUsedAt: row.last_used_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    userAgent: row.user_agent,
    current: row.family_id === currentId,
  });
  // Keyed by the family's first token, which never changes while the session refreshes.
  return idPage(
    rows.map((row) => ({ ...row, id: row.first_id })),
    page,
    toSession,
  );
}

/** Ends every session of the user but `keep` (the caller's own; undefined: all of them). */
export async function endSessions(db: Kysely<DB>, userId: number, keep: string | undefined): Promise<void> {
  await revokeUserSessions(db, userId, keep);
}
