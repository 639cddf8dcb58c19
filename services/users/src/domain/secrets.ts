import { createHash, randomBytes } from 'node:crypto';

/** A 256-bit random token with a recognisable prefix (`flk_` API key, `flr_` refresh token). */
export function newToken(prefix: 'flk_' | 'flr_'): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/** SHA-256: right for high-entropy tokens (nothing to brute-force), cheap on every request. */
export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** A password for the generated first admin: 24 characters from 144 random bits. */
export function newPassword(): string {
  return randomBytes(18).toString('base64url');
}
