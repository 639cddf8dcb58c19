import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACCESS_TOKEN, ConfigError, type Principal, type Role } from '@flotilla/kit';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  type JWTVerifyGetKey,
  SignJWT,
} from 'jose';

/** A public key as published: what verifiers need, never a private member. */
export interface PublishedKey {
  kty: string;
  crv: string;
  x: string;
  y?: string;
  kid: string;
  alg: 'EdDSA' | 'ES256';
  use: 'sig';
}

export interface SigningKeys {
  /** The public half as published at /.well-known/jwks.json. */
  jwks: { keys: PublishedKey[] };
  /** Verifies tokens with the same keys, without an HTTP round trip to ourselves. */
  verifyKeys: JWTVerifyGetKey;
  /** The key id every token this service signs names in its header. */
  kid: string;
  sign(claims: TokenSubject, ttlSeconds: number): Promise<string>;
}

export interface TokenSubject {
  userId: number;
  username: string;
  roles: Role[];
  via: Principal['via'];
}

export const SIGNING_KEY_FILE_NAME = 'signing-key.pem';

/**
 * Where the key comes from: SIGNING_KEY(_FILE) when given. With a database server, replicas must
 * share a key, so one must be configured. Otherwise embedded mode generates one into DATA_DIR once
 * (mode 0600) and reuses it on every later start; tests without either get an in-memory key.
 */
export function loadSigningKey(config: {
  SIGNING_KEY?: string | undefined;
  DATA_DIR?: string | undefined;
  DATABASE_URL?: string | undefined;
}): { key: KeyObject; source: string } {
  if (config.SIGNING_KEY) return { key: parseKey(config.SIGNING_KEY), source: 'SIGNING_KEY' };
  // Before DATA_DIR: replicas on one database each with a data directory of their own would each
  // generate a key, and a token signed by one would fail wherever another's JWKS was fetched.
  if (config.DATABASE_URL) {
    throw new ConfigError(
      'SIGNING_KEY is required with DATABASE_URL (set SIGNING_KEY_FILE to a PKCS#8 Ed25519 PEM; every replica needs the same key)',
    );
  }
  if (config.DATA_DIR) {
    const file = join(config.DATA_DIR, SIGNING_KEY_FILE_NAME);
    try {
      return { key: parseKey(readFileSync(file, 'utf8')), source: file };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const pem = generatePem();
    // A first start may come before anything else has created the data directory.
    mkdirSync(config.DATA_DIR, { recursive: true, mode: 0o700 });
    try {
      // `wx`: if another process created it meanwhile, fail and read theirs instead.
      writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return { key: parseKey(readFileSync(file, 'utf8')), source: file };
    }
    return { key: parseKey(pem), source: `${file} (generated)` };
  }
  return { key: parseKey(generatePem()), source: 'in memory (tokens die with the process)' };
}

function generatePem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function parseKey(text: string): KeyObject {
  const trimmed = text.trim();
  try {
    return trimmed.startsWith('{')
      ? createPrivateKey({ key: JSON.parse(trimmed) as JsonWebKey, format: 'jwk' })
      : createPrivateKey(trimmed);
  } catch {
    // Never echo the text: it is a private key.
    throw new ConfigError('SIGNING_KEY is not a readable private key (PKCS#8 PEM or private JWK)');
  }
}

function algorithmOf(key: KeyObject): 'EdDSA' | 'ES256' {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new ConfigError('SIGNING_KEY must be an Ed25519 or P-256 private key');
}

export async function signingKeys(privateKey: KeyObject): Promise<SigningKeys> {
  const alg = algorithmOf(privateKey);
  const publicJwk = await exportJWK(createPublicKey(privateKey));
  const kid = await calculateJwkThumbprint(publicJwk);
  const { kty, crv, x, y } = publicJwk;
  if (kty === undefined || crv === undefined || x === undefined) {
    throw new ConfigError('SIGNING_KEY has no usable public key');
  }
  const published: PublishedKey = { kty, crv, x, ...(y === undefined ? {} : { y }), kid, alg, use: 'sig' };
  const jwks = { keys: [published] };
  return {
    jwks,
    verifyKeys: createLocalJWKSet(jwks),
    kid,
    sign: (subject, ttlSeconds) =>
      new SignJWT({
        username: subject.username,
        roles: subject.roles,
        ...(subject.via === 'api-key' ? { amr: 'api-key' } : {}),
      })
        .setProtectedHeader({ alg, kid, typ: ACCESS_TOKEN.type })
        .setIssuer(ACCESS_TOKEN.issuer)
        .setAudience(ACCESS_TOKEN.audience)
        .setSubject(String(subject.userId))
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(privateKey),
  };
}

/**
 * What the service verifies access tokens with: its own keys, and keys it is told to trust as
 * well (tests: kit's startTestService signs its callers' tokens with a key of its own). A token
 * naming this service's key id is checked against that key, any other against the extra ones.
 */
export function verificationKeys(
  keys: SigningKeys,
  alsoTrusted: JWTVerifyGetKey | undefined,
): JWTVerifyGetKey {
  if (!alsoTrusted) return keys.verifyKeys;
  return (header, token) => (header.kid === keys.kid ? keys.verifyKeys : alsoTrusted)(header, token);
}
