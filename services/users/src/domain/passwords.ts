import { hash, verify } from '@node-rs/argon2';

// The package's `Algorithm` is an ambient const enum, which verbatimModuleSyntax cannot import.
const ARGON2ID = 2;

// OWASP's argon2id baseline (19 MiB, 2 passes); the parameters live in each hash, so raising
// them later still verifies old hashes.
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

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
  if (!storedHash) {
    decoy ??= hashPassword('decoy password, never matches');
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  return verify(storedHash, password).catch(() => false);
}
