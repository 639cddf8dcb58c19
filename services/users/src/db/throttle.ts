import { type Kysely, sql } from 'kysely';
import type { DB } from './schema.js';

/**
 * Counts one attempt against a key in fixed windows: a new window starts once the current one is
 * `windowSeconds` old. One statement, so concurrent attempts on any replica increment the same
 * row atomically. Returns the attempts in the window and the seconds until it ends.
 */
export async function bumpAttempts(
  db: Kysely<DB>,
  key: string,
  windowSeconds: number,
): Promise<{ attempts: number; retryAfter: number }> {
  const result = await sql<{ attempts: number; retry_after: number }>`
    insert into login_throttle as t (key, window_start, attempts)
    values (${key}, now(), 1)
    on conflict (key) do update set
      attempts = case when t.window_start <= now() - make_interval(secs => ${windowSeconds})
                      then 1 else t.attempts + 1 end,
      window_start = case when t.window_start <= now() - make_interval(secs => ${windowSeconds})
                          then now() else t.window_start end
    returning attempts,
      greatest(1, ceil(extract(epoch from
        (window_start + make_interval(secs => ${windowSeconds})) - now())))::int as retry_after`.execute(db);
  const row = result.rows[0];
  return { attempts: row?.attempts ?? 1, retryAfter: row?.retry_after ?? windowSeconds };
}

export async function deleteAttempts(db: Kysely<DB>, key: string): Promise<void> {
  await db.deleteFrom('login_throttle').where('key', '=', key).execute();
}
