import {
  conflict,
  fieldPath,
  HttpProblem,
  invalidField,
  notFound,
  ROLES,
  type Role,
  SQLSTATE,
  sqlState,
  violatedConstraint,
} from '@flotilla/kit';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { revokeUserSessions } from '../db/sessions.js';
import {
  advanceIdSequence,
  countEnabledAdmins,
  findPasswordHash,
  findUser,
  findUserForLogin,
  insertUser,
  listUsersAfter,
  lockAdmins,
  setPasswordHash,
  updateUserRow,
  type UserRow,
} from '../db/users.js';
import { afterIdOf, idPage, type PageRequest } from './page.js';
import { hashPassword, verifyPassword } from './passwords.js';

/** An account as the API shows it: never the hash. */
export interface User {
  id: number;
  username: string;
  displayName: string;
  roles: Role[];
  createdAt: string;
  disabled: boolean;
}

export function toUser(row: UserRow): User {
  return {
    id: Number(row.id),
    username: row.username,
    displayName: row.display_name,
    // Stored in hierarchy order so lists read the same everywhere.
    roles: ROLES.filter((role) => row.roles.includes(role)),
    createdAt: row.created_at.toISOString(),
    disabled: row.disabled,
  };
}

/**
 * The largest id note 003's create_user may choose (2^31 - 1). A chosen id moves the identity
 * sequence up to it, so without a bound one call to 2^53 - 1 made every later generated id too
 * large for JavaScript numbers (and so for token `sub` claims and JSON): those accounts could not
 * be used, and neighbouring ids rounded to the same number. Capped here, the sequence keeps more
 * than 2^52 safe ids ahead of it.
 */
export const MAX_CHOSEN_ID = 2_147_483_647;

export interface NewUser {
  id?: number;
  username: string;
  displayName?: string;
  roles?: Role[];
  password?: string;
}

/**
 * Where the caller sent a new account's username and chosen id (`body.username`,
 * `query.userid`…), so that a 409 names the field as it was sent.
 */
export interface NewUserFields {
  username: string;
  id?: string;
}

/** Creates an account; 409 when the username (any case) or the chosen id is taken. */
export async function createUser(
  db: Kysely<DB>,
  input: NewUser,
  fields: NewUserFields,
): Promise<User> {
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  try {
    return await db.transaction().execute(async (trx) => {
      const row = await insertUser(trx, {
        ...(input.id !== undefined ? { id: input.id } : {}),
        username: input.username,
        displayName: input.displayName ?? input.username,
        roles: input.roles ?? ['viewer'],
        passwordHash,
      });
      if (input.id !== undefined) await advanceIdSequence(trx);
      return toUser(row);
    });
  } catch (error) {
    if (sqlState(error) !== SQLSTATE.uniqueViolation) throw error;
    const [field, detail] =
      violatedConstraint(error) === 'users_pkey'
        ? [fields.id ?? 'id', `a user with id ${input.id} already exists`]
        : [fields.username, `the username ${input.username} is taken`];
    throw conflict(detail, { errors: [{ field, message: 'is taken' }] });
  }
}

export async function getUser(db: Kysely<DB>, id: number): Promise<User> {
  const row = await findUser(db, id);
  if (!row) throw notFound(`no user with id ${id}`);
  return toUser(row);
}

/** Accounts in id order, a page at a time (keyset: stable while accounts are created). */
export async function listUsers(db: Kysely<DB>, page: PageRequest) {
  const rows = await listUsersAfter(db, { afterId: afterIdOf(page), limit: page.limit + 1 });
  return idPage(rows, page, toUser);
}

/** The account and its hash, for login. */
export async function findForLogin(db: Kysely<DB>, username: string) {
  const row = await findUserForLogin(db, username);
  return row ? { user: toUser(row), passwordHash: row.password_hash } : undefined;
}

export interface UserChanges {
  displayName?: string;
  roles?: Role[];
  disabled?: boolean;
}

/**
 * Changes an account. Refuses (409) to leave no enabled admin behind, which would lock everyone
 * out of user management. Disabling ends the account's sessions at once.
 */
export async function updateUser(db: Kysely<DB>, id: number, changes: UserChanges): Promise<User> {
  if (changes.displayName === undefined && changes.roles === undefined && changes.disabled === undefined) {
    throw invalidField(fieldPath('body'), 'must have displayName, roles or disabled');
  }
  return db.transaction().execute(async (trx) => {
    // Serialises concurrent demotions, so two admins cannot demote each other at once.
    await lockAdmins(trx);
    const row = await updateUserRow(trx, id, changes);
    if (!row) throw notFound(`no user with id ${id}`);
    if ((await countEnabledAdmins(trx)) === 0) {
      throw new HttpProblem(409, 'this would leave no enabled admin; promote another account first');
    }
    if (changes.disabled) await revokeUserSessions(trx, id);
    return toUser(row);
  });
}

/** An admin's reset of another account's password (one's own needs the current one: changeOwnPassword). */
export async function setPassword(db: Kysely<DB>, id: number, password: string): Promise<void> {
  const passwordHash = await hashPassword(password);
  await db.transaction().execute(async (trx) => {
    if (!(await setPasswordHash(trx, id, passwordHash))) throw notFound(`no user with id ${id}`);
    // Whoever knew the old password may hold a session; a reset ends them all.
    await revokeUserSessions(trx, id);
  });
}

export interface PasswordChange {
  /** Required: a session left open, or stolen, must not be enough to take the account over. */
  currentPassword?: string | undefined;
  password: string;
}

/**
 * Changes the caller's own password. Without the current one → 400, with a wrong one → 403, both
 * naming `body.currentPassword` and changing nothing. Every other session of the account ends
 * (whoever knew the old password may hold one); the caller's own, `keep`, stays signed in.
 */
export async function changeOwnPassword(
  db: Kysely<DB>,
  userId: number,
  change: PasswordChange,
  keep: string | undefined,
): Promise<void> {
  const field = fieldPath('body', 'currentPassword');
  if (change.currentPassword === undefined) {
    throw invalidField(field, 'is required to change your own password');
  }
  const stored = await findPasswordHash(db, userId);
  if (stored === undefined) throw notFound(`no user with id ${userId}`);
  if (!(await verifyPassword(stored, change.currentPassword))) {
    throw new HttpProblem(403, `${field} is not your current password`, {
      errors: [{ field, message: 'is not your current password' }],
    });
  }
  const passwordHash = await hashPassword(change.password);
  await db.transaction().execute(async (trx) => {
    if (!(await setPasswordHash(trx, userId, passwordHash))) throw notFound(`no user with id ${userId}`);
    await revokeUserSessions(trx, userId, keep);
  });
}
