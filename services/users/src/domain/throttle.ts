import { HttpProblem } from '@flotilla/kit';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { bumpAttempts, deleteAttempts } from '../db/throttle.js';

export interface ThrottleLimits {
  /** Attempts at one username from one address: its guesser runs out, its owner elsewhere does not. */
  perUsernameAndIp: number;
  /** Attempts from one address at any usernames: one address guessing many accounts. */
  perIp: number;
  windowSeconds: number;
}

const ipKey = (ip: string) => `ip:${ip}`;
// Addresses never contain '/', so the key cannot be ambiguous whatever the username holds.
const usernameKey = (ip: string, username: string) => `ip-user:${ip}/${username.toLowerCase()}`;

/**
 * Counts a login attempt against its client address and against (address, username), in fixed
 * windows kept in the database so that every replica counts against one limit (an in-memory
 * limiter would give each replica its own allowance). There is deliberately no limit per username
 * alone: anyone could spend it and lock the owner out. Over either limit → 429 with Retry-After,
 * before the password is even hashed, so a flood of guesses also cannot burn CPU on argon2.
 */
export async function countLoginAttempt(
  db: Kysely<DB>,
  username: string,
  ip: string,
  limits: ThrottleLimits,
): Promise<void> {
  const checks = [
    { key: ipKey(ip), limit: limits.perIp, what: 'from this address' },
    { key: usernameKey(ip, username), limit: limits.perUsernameAndIp, what: 'for this username' },
  ];
  for (const { key, limit, what } of checks) {
    const { attempts, retryAfter } = await bumpAttempts(db, key, limits.windowSeconds);
    if (attempts > limit) {
      throw new HttpProblem(429, `too many login attempts ${what}; retry in ${retryAfter} s`, { retryAfter });
    }
  }
}

/** A successful login forgives this address's earlier typos of the username (the address keeps counting). */
export async function clearUsernameAttempts(db: Kysely<DB>, username: string, ip: string): Promise<void> {
  await deleteAttempts(db, usernameKey(ip, username));
}
