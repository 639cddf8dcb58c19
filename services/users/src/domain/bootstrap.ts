import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { anyUserExists, insertFirstAdmin } from '../db/users.js';
import { hashPassword } from './passwords.js';
import { newPassword } from './secrets.js';

/**
 * On first start (no accounts at all) creates `admin` with FLOTILLA_ADMIN_PASSWORD, or with a
 * generated password printed once in the log: the only secret this service ever logs. Replicas
 * starting together race safely: only the one whose insert lands creates and prints anything.
 */
export async function ensureFirstAdmin(
  db: Kysely<DB>,
  configured: string | undefined,
  log: FastifyBaseLogger,
): Promise<void> {
  if (await anyUserExists(db)) return;
  const password = configured ?? newPassword();
  if (!(await insertFirstAdmin(db, await hashPassword(password)))) return;
  if (configured) {
    log.info(
      { username: 'admin' },
      'first start: created user admin with the password from FLOTILLA_ADMIN_PASSWORD',
    );
    return;
  }
  log.warn(
    { username: 'admin' },
    `FIRST START — generated password for user "admin": ${password} — shown only this once; log in and change it (set FLOTILLA_ADMIN_PASSWORD or FLOTILLA_ADMIN_PASSWORD_FILE to choose it instead)`,
  );
}
