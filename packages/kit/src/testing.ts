import { randomBytes } from 'node:crypto';
import { generateKeyPair, type JWTVerifyGetKey, SignJWT } from 'jose';
import pg from 'pg';
import { ACCESS_TOKEN, type Role } from './auth.js';

/** A database a test can own: PGlite in memory, or a fresh database on TEST_DATABASE_URL's server. */
export interface TestDatabase {
  name: 'pglite' | 'postgresql';
  /** Undefined for PGlite. */
  url: string | undefined;
  drop(): Promise<void>;
}

/** The database kinds tests run on: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export function testDatabaseKinds(): Array<'pglite' | 'postgresql'> {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgresql'] : ['pglite'];
}

export async function createTestDatabase(kind: 'pglite' | 'postgresql'): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (kind === 'pglite') return { name: 'pglite', url: undefined, drop: async () => {} };
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
  const database = `flotilla_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${database}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return {
    name: 'postgresql',
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${database} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * Signs access tokens exactly as the users service does (issuer, audience, `at+jwt`), with a key
 * pair made for the test; pass `keys` to a service's `accessKeys` option so it trusts them.
 */
export async function testTokens() {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA');
  const keys: JWTVerifyGetKey = async () => publicKey;
  const sign = (userId: number, username: string, roles: Role[]) =>
    new SignJWT({ username, roles })
      .setProtectedHeader({ alg: 'EdDSA', typ: ACCESS_TOKEN.type })
      .setIssuer(ACCESS_TOKEN.issuer)
      .setAudience(ACCESS_TOKEN.audience)
      .setSubject(String(userId))
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);
  /** `{ authorization: 'Bearer …' }` for a caller with these roles. */
  const bearer = async (roles: Role[], userId = 1, username = `test-${roles.join('-') || 'none'}`) => ({
    authorization: `Bearer ${await sign(userId, username, roles)}`,
  });
  return { keys, sign, bearer };
}
