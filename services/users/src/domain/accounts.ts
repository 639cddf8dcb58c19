import { badRequest, conflict, HttpProblem, notFound, ROLES, type Role } from '@flotilla/kit';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { hashPassword } from './passwords.js';

/** An account as the API shows it: never the hash. */
export interface User {
  id: number;
  username: string;
  displayName: string;
  roles: Role[];
  createdAt: string;
  disabled: boolean;
}

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  roles: string[];
  created_at: Date;
  disabled: boolean;
}

const COLUMNS = ['id', 'username', 'display_name', 'roles', 'created_at', 'disabled'] as const;

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

const UNIQUE_VIOLATION = '23505';

/** Creates an account; 409 when the username (any case) or the chosen id is taken. */
export async function createUser(db: Kysely<DB>, input: NewUser): Promise<User> {
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  try {
    return await db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('users')
        .values({
          ...(input.id !== undefined ? { id: input.id } : {}),
          username: input.username,
          display_name: input.displayName ?? input.username,
          roles: input.roles ?? ['viewer'],
          password_hash: passwordHash,
        })
        .returning(COLUMNS)
        .executeTakeFirstOrThrow();
      // An id chosen by the caller does not advance the identity sequence; move it past the
      // largest id so the next generated one does not collide.
      if (input.id !== undefined) await advanceIdSequence(trx);
      return toUser(row);
    });
  } catch (error) {
    if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
      const constraint = (error as { constraint?: string }).constraint ?? '';
      throw conflict(
        constraint === 'users_pkey'
          ? `a user with id ${input.id} already exists`
          : `the username ${input.username} is taken`,
        { field: constraint === 'users_pkey' ? 'id' : 'username' },
      );
    }
    throw error;
  }
}

async function advanceIdSequence(trx: Transaction<DB>): Promise<void> {
  await sql`select setval(pg_get_serial_sequence('users', 'id'),
                          greatest((select max(id) from users), 1))`.execute(trx);
}

export async function getUser(db: Kysely<DB>, id: number): Promise<User> {
  const row = await db.selectFrom('users').select(COLUMNS).where('id', '=', String(id)).executeTakeFirst();
  if (!row) throw notFound(`no user with id ${id}`);
  return toUser(row);
}

export async function listUsers(db: Kysely<DB>, page: { limit: number; offset: number }): Promise<User[]> {
  const rows = await db
    .selectFrom('users')
    .select(COLUMNS)
    .orderBy('id')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  return rows.map(toUser);
}

/** The account and its hash, for login; case-insensitive like the unique index. */
export async function findForLogin(db: Kysely<DB>, username: string) {
  const row = await db
    .selectFrom('users')
    .select([...COLUMNS, 'password_hash'])
    .where(sql`lower(username)`, '=', username.toLowerCase())
    .executeTakeFirst();
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
    throw badRequest('nothing to change: send displayName, roles or disabled', {
      errors: [{ field: 'body', message: 'must have displayName, roles or disabled' }],
    });
  }
  return db.transaction().execute(async (trx) => {
    // Serialises concurrent demotions, so two admins cannot demote each other at once.
    await sql`select pg_advisory_xact_lock(hashtext('flotilla:users:admins'))`.execute(trx);
    const row = await trx
      .updateTable('users')
      .set({
        ...(changes.displayName !== undefined ? { display_name: changes.displayName } : {}),
        ...(changes.roles !== undefined ? { roles: changes.roles } : {}),
        ...(changes.disabled !== undefined ? { disabled: changes.disabled } : {}),
      })
      .where('id', '=', String(id))
      .returning(COLUMNS)
      .executeTakeFirst();
    if (!row) throw notFound(`no user with id ${id}`);
    const admins = await trx
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where(sql<boolean>`'admin' = any(roles)`)
      .where('disabled', '=', false)
      .executeTakeFirstOrThrow();
    if (Number(admins.n) === 0) {
      throw new HttpProblem(409, 'this would leave no enabled admin; promote another account first');
    }
    if (changes.disabled) await revokeAllSessions(trx, id);
    return toUser(row);
  });
}

export async function setPassword(db: Kysely<DB>, id: number, password: string): Promise<void> {
  const passwordHash = await hashPassword(password);
  await db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('users')
      .set({ password_hash: passwordHash })
      .where('id', '=', String(id))
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) throw notFound(`no user with id ${id}`);
    // Whoever knew the old password may hold a session; a reset ends them all.
    await revokeAllSessions(trx, id);
  });
}

async function revokeAllSessions(trx: Transaction<DB>, userId: number): Promise<void> {
  await trx
    .updateTable('refresh_tokens')
    .set({ revoked_at: new Date() })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
}
