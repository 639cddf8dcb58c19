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
/** The key id test tokens carry, so a service holding keys of its own can tell them apart. */
export const TEST_KEY_ID = 'flotilla-test';

export async function testTokens() {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA');
  const keys: JWTVerifyGetKey = async () => publicKey;
  const sign = (userId: number, username: string, roles: Role[]) =>
    new SignJWT({ username, roles })
      .setProtectedHeader({ alg: 'EdDSA', typ: ACCESS_TOKEN.type, kid: TEST_KEY_ID })
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

/** A response as tests read it: status, headers, the parsed JSON body (or the text), the text. */
export interface Answer {
  status: number;
  headers: Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are inspected field by field in tests
  body: any;
  text: string;
}

export interface Caller {
  userId: number;
  username: string;
  roles: Role[];
}

export interface TestService<App, Name extends string> {
  app: App;
  database: TestDatabase;
  /** A bearer token for each named caller. */
  tokens: Record<Name, string>;
  /** Authorization headers for any other caller. */
  bearer: Awaited<ReturnType<typeof testTokens>>['bearer'];
  /**
   * One request through `inject`, as a named caller (`as`, default: the first one) or
   * `anonymous`; `headers` replace the caller's when they carry their own authorization.
   */
  request(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    options?: { body?: unknown; as?: Name | 'anonymous'; headers?: Record<string, string> },
  ): Promise<Answer>;
  close(): Promise<void>;
}

/**
 * A service on a fresh database of the given kind (or `reuse`d), with tokens for the named
 * callers signed by a key the service is built to trust: every service's tests start it so.
 */
export async function startTestService<
  App extends { inject: InjectApp['inject']; close(): Promise<unknown> },
  Name extends string,
>(options: {
  kind: 'pglite' | 'postgresql';
  callers: Record<Name, Caller>;
  build: (database: TestDatabase, keys: JWTVerifyGetKey) => Promise<App>;
  reuse?: TestDatabase;
}): Promise<TestService<App, Name>> {
  const database = options.reuse ?? (await createTestDatabase(options.kind));
  const { keys, sign, bearer } = await testTokens();
  const names = Object.keys(options.callers) as Name[];
  const tokens = {} as Record<Name, string>;
  for (const name of names) {
    const { userId, username, roles } = options.callers[name];
    tokens[name] = await sign(userId, username, roles);
  }
  const app = await options.build(database, keys);
  return {
    app,
    database,
    tokens,
    bearer,
    async request(method, url, { body, as = names[0], headers } = {}) {
      const caller: Record<string, string> =
        as === undefined || as === 'anonymous' ? {} : { authorization: `Bearer ${tokens[as]}` };
      const response = await app.inject({
        method,
        url,
        ...(body === undefined ? {} : { payload: body as object }),
        headers: { ...caller, ...headers },
      });
      const type = String(response.headers['content-type'] ?? '');
      return {
        status: response.statusCode,
        headers: response.headers,
        body: type.includes('json') && response.body !== '' ? response.json() : response.body,
        text: response.body,
      };
    },
    async close() {
      await app.close();
      // A reused database belongs to whoever made it.
      if (!options.reuse) await database.drop();
    },
  };
}

interface InjectApp {
  inject(options: {
    method: string;
    url: string;
    payload?: object;
    headers?: Record<string, string>;
  }): Promise<{ statusCode: number; headers: Record<string, unknown>; body: string; json(): unknown }>;
}

/** One server-sent event as a test reads it. */
export interface StreamEvent {
  event: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- event data is inspected field by field in tests
  data: any;
  id: string | undefined;
}

/** The events of a finished `text/event-stream` body (comment blocks such as keep-alives skipped). */
export function parseEventStream(body: string): StreamEvent[] {
  return body
    .split(/\r?\n\r?\n/)
    .map((block) => block.split(/\r?\n/).filter((line) => line !== '' && !line.startsWith(':')))
    .filter((lines) => lines.length > 0)
    .map((lines) => {
      const field = (name: string) => lines.filter((line) => line.startsWith(`${name}:`)).map((line) => line.slice(name.length + 1).replace(/^ /, ''));
      const data = field('data').join('\n');
      return { event: field('event')[0] ?? 'message', data: data === '' ? undefined : (JSON.parse(data) as unknown), id: field('id')[0] };
    });
}
