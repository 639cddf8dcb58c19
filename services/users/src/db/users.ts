import { type Kysely, sql } from 'kysely';
import type { DB } from './schema.js';

/** An account row as read (never with its hash, except for login). */
export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  roles: string[];
  created_at: Date;
  disabled: boolean;
}

const columns = ['id', 'username', 'display_name', 'roles', 'created_at', 'disabled'] as const;

export async function insertUser(
  db: Kysely<DB>,
  values: {
    id?: number;
    username: string;
    displayName: string;
    roles: string[];
    passwordHash: string | null;
  },
): Promise<UserRow> {
  return db
    .insertInto('users')
    .values({
      ...(values.id !== undefined ? { id: values.id } : {}),
      username: values.username,
      display_name: values.displayName,
      roles: values.roles,
      password_hash: values.passwordHash,
    })
    .returning(columns)
    .executeTakeFirstOrThrow();
}

/**
 * Moves the identity sequence past the largest id: an id chosen by the caller (note 003) does not
 * advance it, so without this the next generated id would collide.
 */
export async function advanceIdSequence(db: Kysely<DB>): Promise<void> {
  await sql`select setval(pg_get_serial_sequence('users', 'id'),
                          greatest((select max(id) from users), 1))`.execute(db);
}

export async function findUser(db: Kysely<DB>, id: number): Promise<UserRow | undefined> {
  return db.selectFrom('users').select(columns).where('id', '=', String(id)).executeTakeFirst();
}

/** Accounts in id order after `afterId` (0: from the first). */
export async function listUsersAfter(
  db: Kysely<DB>,
  page: { afterId: number; limit: number },
): Promise<UserRow[]> {
  return db
    .selectFrom('users')
    .select(columns)
    .where('id', '>', String(page.afterId))
    .orderBy('id')
    .limit(page.limit)
    .execute();
}

/** The account and its hash, for login; case-insensitive like the unique index. */
export async function findUserForLogin(
  db: Kysely<DB>,
  username: string,
): Promise<(UserRow & { password_hash: string | null }) | undefined> {
  return db
    .selectFrom('users')
    .select([...columns, 'password_hash'])
    .where(sql`lower(username)`, '=', username.toLowerCase())
    .executeTakeFirst();
}

/** An account's password hash (null: none set), undefined if there is no such account. */
export async function findPasswordHash(db: Kysely<DB>, id: number): Promise<string | null | undefined> {
  const row = await db.selectFrom('users').select('password_hash').where('id', '=', String(id)).executeTakeFirst();
  return row?.password_hash;
}

export async function anyUserExists(db: Kysely<DB>): Promise<boolean> {
  return (await db.selectFrom('users').select('id').limit(1).executeTakeFirst()) !== undefined;
}

/**
 * Inserts the first admin unless a user of that name exists (replicas starting together race
 * here); whether this call's insert landed.
 */
export async function insertFirstAdmin(db: Kysely<DB>, passwordHash: string): Promise<boolean> {
  const inserted = await sql<{ id: string }>`
    insert into users (username, display_name, roles, password_hash)
    values ('admin', 'Administrator', '{admin}', ${passwordHash})
    on conflict (lower(username)) do nothing
    returning id`.execute(db);
  return inserted.rows.length > 0;
}

export async function updateUserRow(
  db: Kysely<DB>,
  id: number,
  changes: { displayName?: string | undefined; roles?: string[] | undefined; disabled?: boolean | undefined },
): Promise<UserRow | undefined> {
  return db
    .updateTable('users')
    .set({
      ...(changes.displayName !== undefined ? { display_name: changes.displayName } : {}),
      ...(changes.roles !== undefined ? { roles: changes.roles } : {}),
      ...(changes.disabled !== undefined ? { disabled: changes.disabled } : {}),
    })
    .where('id', '=', String(id))
    .returning(columns)
    .executeTakeFirst();
}

/** Serialises changes to who is admin until the transaction ends (two admins demoting each other). */
export async function lockAdmins(trx: Kysely<DB>): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('flotilla:users:admins'))`.execute(trx);
}

export async function countEnabledAdmins(db: Kysely<DB>): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where(sql<boolean>`'admin' = any(roles)`)
    .where('disabled', '=', false)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Whether the account exists (and so had its hash replaced). */
export async function setPasswordHash(db: Kysely<DB>, id: number, passwordHash: string): Promise<boolean> {
  const updated = await db
    .updateTable('users')
    .set({ password_hash: passwordHash })
    .where('id', '=', String(id))
    .executeTakeFirst();
  return updated.numUpdatedRows > 0n;
}
