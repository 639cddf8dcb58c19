import {
  fieldPath,
  forbidden,
  HttpProblem,
  hasRole,
  invalidField,
  notFound,
  type Principal,
  ROLES,
  type Role,
} from '@flotilla/kit';
import type { Kysely } from 'kysely';
import {
  type ApiKeyRow,
  findActiveApiKey,
  insertApiKey,
  listApiKeysAfter,
  revokeApiKeyRow,
  touchApiKey,
} from '../db/api-keys.js';
import type { DB } from '../db/schema.js';
import { findUser } from '../db/users.js';
import { afterIdOf, idPage, type PageRequest } from './page.js';
import { newToken, tokenHash } from './secrets.js';

export interface ApiKey {
  id: number;
  name: string;
  /** The first characters of the key, enough to recognise it; the key itself is never stored. */
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  /** Null: it never expires. */
  expiresAt: string | null;
  /** The most it may do; null: whatever its owner may at each request. */
  role: Role | null;
}

const roleOf = (stored: string | null): Role | null => ROLES.find((role) => role === stored) ?? null;

const toApiKey = (row: ApiKeyRow): ApiKey => ({
  id: Number(row.id),
  name: row.name,
  prefix: row.prefix,
  createdAt: row.created_at.toISOString(),
  lastUsedAt: row.last_used_at?.toISOString() ?? null,
  expiresAt: row.expires_at?.toISOString() ?? null,
  role: roleOf(row.role),
});

export interface NewApiKey {
  name: string;
  /** RFC 3339; absent: never expires. */
  expiresAt?: string | undefined;
  /** At most the caller's own role; absent: the owner's roles at each request. */
  role?: Role | undefined;
}

/**
 * Creates a key for the caller; the returned `key` is the only time it is ever visible. Refused
 * to an API key (403): a key that made keys could outlive its own expiry and role. Refused for a
 * role above the owner's own (403 naming `body.role`) and an expiry not in the future (400
 * naming `body.expiresAt`).
 */
export async function createApiKey(
  db: Kysely<DB>,
  caller: Principal,
  input: NewApiKey,
): Promise<ApiKey & { key: string }> {
  if (caller.via === 'api-key') {
    throw forbidden('an API key cannot make API keys: sign in with your password to make one');
  }
  const expiresAt = input.expiresAt === undefined ? null : new Date(input.expiresAt);
  if (expiresAt !== null) {
    const field = fieldPath('body', 'expiresAt');
    if (Number.isNaN(expiresAt.getTime())) throw invalidField(field, 'is not a valid date-time');
    if (expiresAt.getTime() <= Date.now()) throw invalidField(field, 'must be in the future');
  }
  if (input.role !== undefined) {
    // The account as it is now, not as the (up to ten-minute-old) token says.
    const owner = await findUser(db, caller.userId);
    if (!owner || !hasRole(owner.roles, input.role)) {
      const field = fieldPath('body', 'role');
      throw new HttpProblem(403, `${field} is above your own role`, {
        errors: [{ field, message: 'is above your own role' }],
      });
    }
  }
  const key = newToken('flk_');
  const row = await insertApiKey(db, {
    userId: caller.userId,
    name: input.name,
    prefix: key.slice(0, 10),
    keyHash: tokenHash(key),
    expiresAt,
    role: input.role ?? null,
  });
  return { ...toApiKey(row), key };
}

/** A user's unrevoked keys in id order, a page at a time. */
export async function listApiKeys(db: Kysely<DB>, userId: number, page: PageRequest) {
  const rows = await listApiKeysAfter(db, userId, { afterId: afterIdOf(page), limit: page.limit + 1 });
  return idPage(rows, page, toApiKey);
}

/**
 * Revokes one of the caller's keys; an admin may revoke anyone's. 404 rather than 403 for
 * another's key, so ids of others' keys reveal nothing.
 */
export async function revokeApiKey(db: Kysely<DB>, keyId: number, caller: Principal): Promise<void> {
  const ownerId = caller.roles.includes('admin') ? undefined : caller.userId;
  if (!(await revokeApiKeyRow(db, keyId, ownerId))) throw notFound(`no API key with id ${keyId}`);
}

/**
 * The principal behind a key, read afresh on every call: revocation, expiry, disabling the
 * account and role changes take effect on the very next request. Undefined for unknown or
 * revoked keys; an expired key is a 401 saying so, so that its owner knows to make a new one.
 */
export async function resolveApiKey(db: Kysely<DB>, key: string): Promise<Principal | undefined> {
  const row = await findActiveApiKey(db, tokenHash(key));
  if (!row) return undefined;
  if (row.expires_at !== null && row.expires_at.getTime() <= Date.now()) {
    throw new HttpProblem(401, `the API key expired at ${row.expires_at.toISOString()}; make a new one`);
  }
  // At most one write a minute per key, not one per request.
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
    await touchApiKey(db, row.keyId);
  }
  return {
    userId: Number(row.id),
    username: row.username,
    roles: keyRoles(row.roles, roleOf(row.role)),
    via: 'api-key',
  };
}

/**
 * What a key may do: its owner's roles, capped at the key's role. Roles include the ones before
 * them, so an admin's viewer key is a viewer, and an owner demoted below the key's role takes the
 * key down too.
 */
function keyRoles(ownerRoles: string[], ceiling: Role | null): Role[] {
  const owned = ROLES.filter((role) => ownerRoles.includes(role));
  if (ceiling === null) return owned;
  const highest = Math.max(...owned.map((role) => ROLES.indexOf(role)));
  return [ROLES[Math.min(highest, ROLES.indexOf(ceiling))] ?? 'viewer'];
}
