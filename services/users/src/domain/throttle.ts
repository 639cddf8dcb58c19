import { HttpProblem } from '@flotilla/kit';
import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';

export interface ThrottleLimits {
  perUsername: number;
  perIp: number;
  windowSeconds: number;
}

/**
 * Counts a login attempt against its username and its client address, in fixed windows kept in
 * the database so that every replica counts against one limit (an in-memory limiter would give
 * each replica its own allowance). Over either limit → 429 with Retry-After, before the password
 * is even hashed, so a flood of guesses also cannot burn CPU on argon2.
 */
export async function countLoginAttempt(
  db: Kysely<DB>,
  username: string,
  ip: string,
  limits: ThrottleLimits,
): Promise<void> {
  const checks = [
    { key: `user:${username.toLowerCase()}`, limit: limits.perUsername, what: 'for this username' },
    { key: `ip:${ip}`, limit: limits.perIp, what: 'from this address' },
  ];
  for (const { key, limit, what } of checks) {
    const { attempts, retryAfter } = await bump(db, key, limits.windowSeconds);
    if (attempts > limit) {
      throw new HttpProblem(429, `too many login attempts ${what}; retry in ${retryAfter} s`, { retryAfter });
    }
  }
}

/** A successful login forgives the username's earlier typos (the address keeps counting). */
export async function clearUsernameAttempts(db: Kysely<DB>, username: string): Promise<void> {
  await db.deleteFrom('login_throttle').where('key', '=', `user:${username.toLowerCase()}`).execute();
}

async function bump(db: Kysely<DB>, key: string, windowSeconds: number) {
  // One statement, so concurrent attempts on any replica increment the same row atomically.
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
