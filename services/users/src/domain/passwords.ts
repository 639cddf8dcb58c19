import { hash, verify } from '@node-rs/argon2';

// The package's `Algorithm` is an ambient const enum, which verbatimModuleSyntax cannot import.
const ARGON2ID = 2;

// OWASP's argon2id baseline (19 MiB, 2 passes); the parameters live in each hash, so raising
// them later still verifies old hashes.
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/**
 * What setting a password requires, in characters (code points, as JSON Schema counts them).
 * Logging in checks neither: a wrong password of any length is a counted, refused attempt.
 */
export const PASSWORD_MIN_LENGTH = 8;
/** Also keeps argon2 from being fed megabytes: nothing longer is ever hashed. */
export const PASSWORD_MAX_LENGTH = 1024;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

// Verified against when the account does not exist, so a wrong username costs as much time as a
// wrong password and response times do not reveal which usernames exist.
let decoy: Promise<string> | undefined;

export async function verifyPassword(
  storedHash: string | null | undefined,
  password: string,
): Promise<boolean> {
  // No password this long can have been set, so it cannot match, whoever the account is: the
  // quick answer reveals nothing about the account.
  if (longerThan(password, PASSWORD_MAX_LENGTH)) return false;
  if (!storedHash) {
    decoy ??= hashPassword('decoy password, never matches');
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  return verify(storedHash, password).catch(() => false);
}

/** Whether text has more than `max` code points; stops counting as soon as it does. */
function longerThan(text: string, max: number): boolean {
  // UTF-16 units are never fewer than code points.
  if (text.length <= max) return false;
  let count = 0;
  for (const _codePoint of text) {
    count += 1;
    if (count > max) return true;
  }
  return false;
}
