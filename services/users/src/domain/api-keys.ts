import { notFound, type Principal, ROLES } from '@flotilla/kit';
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
import { afterIdOf, idPage, type PageRequest } from './page.js';
import { newToken, tokenHash } from './secrets.js';

export interface ApiKey {
  id: number;
  name: string;
  /** The first characters of the key, enough to recognise it; the key itself is never stored. */
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
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
  const row = await insertApiKey(db, { userId, name, prefix: key.slice(0, 10), keyHash: tokenHash(key) });
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
 * The principal behind a key, read afresh on every call: revocation, disabling the account and
 * role changes take effect on the very next request. Undefined for unknown or revoked keys.
 */
export async function resolveApiKey(db: Kysely<DB>, key: string): Promise<Principal | undefined> {
  const row = await findActiveApiKey(db, tokenHash(key));
  if (!row) return undefined;
  // At most one write a minute per key, not one per request.
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
    await touchApiKey(db, row.keyId);
  }
  return {
    userId: Number(row.id),
    username: row.username,
    roles: ROLES.filter((role) => row.roles.includes(role)),
    via: 'api-key',
  };
}
