import { testDatabaseKinds } from '@flotilla/kit/testing';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../src/app.js';
import { executeConsoleQuery, postgresConsole } from '../src/console/executor.js';
import { DEFAULT_LIMITS } from '../src/console/limits.js';
import { pgliteSandbox } from '../src/console/sandbox.js';
import { type ConsoleService, startConsoleService } from './console-harness.js';
import type { Service } from './harness.js';

/** Row count and a checksum over every column of every row: "unchanged" means both equal. */
async function fingerprint(service: Service): Promise<{ rows: number; checksum: string }> {
  const result = await sql<{ rows: string; checksum: string }>`
    select count(*) as rows,
           md5(coalesce(string_agg(t::text, '|' order by id), '')) as checksum
      from translations t`.execute(service.db);
  const row = result.rows[0];
  return { rows: Number(row?.rows), checksum: String(row?.checksum) };
}

/** Hostile inputs, each refused with a 4xx problem naming why (the `reason` member). */
const HOSTILE: Array<[string, number, string]> = [
  ['delete from translations', 403, 'not-a-query'],
  ["update translations set text_en = 'pwned'", 403, 'not-a-query'],
  [
    "insert into translations (text_de, text_en, engine, chars, ms) values ('a', 'b', 'c', 1, 1)",
    403,
    'not-a-query',
  ],
  ['drop table translations', 403, 'not-a-query'],
  ['truncate translations', 403, 'not-a-query'],
  ['create table stolen as select * from translations', 403, 'not-a-query'],
  ['alter role current_user superuser', 403, 'not-a-query'],
  ['select 1; delete from translations', 400, 'multiple-statements'],
  ['select 1; commit; delete from translations', 400, 'multiple-statements'],
  ['rollback; delete from translations; select 1', 400, 'multiple-statements'],
  ['copy translations to stdout', 403, 'not-a-query'],
  ["copy translations from program 'id'", 403, 'not-a-query'],
  ['set role postgres', 403, 'not-a-query'],
  ['set session authorization postgres', 403, 'not-a-query'],
  ["select set_config('role', 'postgres', false)", 403, 'function-denied'],
  ["select set_config('statement_timeout', '0', true)", 403, 'function-denied'],
  ['select pg_sleep(5)', 403, 'function-denied'],
  ["select pg_read_file('/etc/passwd')", 403, 'function-denied'],
  ["select lo_import('/etc/passwd')", 403, 'function-denied'],
  ['select * from pg_authid', 403, 'relation-denied'],
  ['select rolname, rolpassword from pg_catalog.pg_authid', 403, 'relation-denied'],
  ['select * from pg_shadow', 403, 'relation-denied'],
  ['select * from pg_user', 403, 'relation-denied'],
  ['select * from schema_migrations', 403, 'relation-denied'],
  ['select * from information_schema.role_table_grants', 403, 'relation-denied'],
  ['with gone as (delete from translations returning *) select * from gone', 403, 'data-modifying-cte'],
  ['select * into stolen from translations', 403, 'select-into'],
  ['select * from translations for update', 403, 'locking-clause'],
  ["select query_to_xml('delete from translations returning 1', true, true, '')", 403, 'function-denied'],
  ['selec 1', 400, 'syntax'],
  ['select $1', 400, 'parameter'],
  ['select text_en from translations where id = $2', 400, 'parameter'],
  ['select no_such_column from translations', 400, 'query-error'],
];

describe.each(testDatabaseKinds())('SQL console on %s', (kind) => {
  let started: ConsoleService;
  let service: Service;
  let consoleUrl: string | undefined;

  beforeAll(async () => {
    started = await startConsoleService(kind);
    service = started.service;
    consoleUrl = started.login?.url;
    for (const text of ['Der Hund schläft.', 'Die Katze läuft.', 'Das Haus ist groß.']) {
      await service.request('POST', '/translate', { body: { text_de: text } });
    }
  });
  afterAll(async () => started?.close());

  it('runs a query of note 001 and answers columns, rows, rowCount, truncated, ms', async () => {
    const answer = await service.request('POST', '/sql', {
      body: { query: 'SELECT id, text_de, text_en FROM translations ORDER BY id' },
      as: 'admin',
    });
    expect(answer.status).toBe(200);
    expect(answer.body.columns.map((c: { name: string }) => c.name)).toEqual(['id', 'text_de', 'text_en']);
    expect(answer.body.rows.map((row: unknown[]) => row[1])).toEqual([
      'Der Hund schläft.',
      'Die Katze läuft.',
      'Das Haus ist groß.',
    ]);
    expect(answer.body).toMatchObject({ rowCount: 3, truncated: false, ms: expect.any(Number) });
  });

  it("searches with full text and keeps the query's own order", async () => {
    const answer = await service.request('POST', '/sql', {
      body: {
        query:
          "select text_en from translations where search @@ websearch_to_tsquery('simple', 'dog or cat') order by id desc",
      },
      as: 'admin',
    });
    expect(answer.body.rows).toEqual([['The cat runs.'], ['The dog sleeps.']]);
  });

  it('caps the answer at 1,000 rows and says it was truncated', async () => {
    const answer = await service.request('POST', '/sql', {
      body: {
        query:
          'select g, t.id from generate_series(1, 1500) g cross join (select id from translations limit 1) t',
      },
      as: 'admin',
    });
    expect(answer.status).toBe(200);
    expect(answer.body.rowCount).toBe(1000);
    expect(answer.body.rows).toHaveLength(1000);
    expect(answer.body.truncated).toBe(true);
    const exact = await service.request('POST', '/sql', {
      body: { query: 'select g from generate_series(1, 1000) g' },
      as: 'admin',
    });
    expect(exact.body).toMatchObject({ rowCount: 1000, truncated: false });
  });

  it('keeps columns of the same name, names the columns of an empty result, and gives type OIDs', async () => {
    const answer = await service.request('POST', '/sql', {
      body: { query: 'select id, id, text_de as t, engine as t from translations where false' },
      as: 'admin',
    });
    expect(answer.status).toBe(200);
    expect(answer.body.columns).toEqual([
      { name: 'id', type: 20 },
      { name: 'id', type: 20 },
      { name: 't', type: 25 },
      { name: 't', type: 25 },
    ]);
    expect(answer.body.rows).toEqual([]);
  });

  it('reads the data as it is now: rows stored and deleted since the last query, values exact', async () => {
    const count = async () =>
      (await service.request('POST', '/sql', { body: { query: 'select count(*) from translations' }, as: 'admin' }))
        .body.rows[0][0];
    const before = Number(await count());
    const id = (await service.request('POST', '/translate', { body: { text_de: 'Der Hund läuft.' } })).body.id;
    // Rows of a megabyte each are copied a few at a time, and arrive whole.
    await sql`insert into translations (text_de, text_en, engine, chars, ms)
              select repeat('Haus ', 200000), repeat('house ', 200000), 'dictionary', 1000000, 1
                from generate_series(1, 5)`.execute(service.db);
    expect(Number(await count())).toBe(before + 6);
    const exact = 'select id, created_at::text, md5(text_de), length(text_en) from translations order by id';
    const mirrored = await service.request('POST', '/sql', { body: { query: exact }, as: 'admin' });
    const original = await sql.raw<Record<string, unknown>>(exact).execute(service.db);
    expect(mirrored.body.rows.map((row: unknown[]) => row.map(String))).toEqual(
      original.rows.map((row) => Object.values(row).map(String)),
    );
    await service.request('DELETE', `/translations/${id}`);
    await sql`delete from translations where chars = 1000000`.execute(service.db);
    expect(Number(await count())).toBe(before);
  });

  it('refuses a query nested too deeply for its checker (4,000 UNION ALLs) with 400 too-complex', async () => {
    const query = Array.from({ length: 4000 }, () => 'select 1').join(' union all ');
    const answer = await service.request('POST', '/sql', { body: { query }, as: 'admin' });
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toContain('application/problem+json');
    expect(answer.body.reason).toBe('too-complex');
    expect(answer.body.detail).toMatch(/too complex/);
  });

  it('is for admins only', async () => {
    expect((await service.request('POST', '/sql', { body: { query: 'select 1' }, as: 'alice' })).status).toBe(
      403,
    );
    expect(
      (await service.request('POST', '/sql', { body: { query: 'select 1' }, as: 'anonymous' })).status,
    ).toBe(401);
  });

  it('refuses every hostile input with a 4xx problem naming why, and the data is unchanged', async () => {
    const before = await fingerprint(service);
    expect(before.rows).toBe(3);
    for (const [query, status, reason] of HOSTILE) {
      const answer = await service.request('POST', '/sql', { body: { query }, as: 'admin' });
      expect({ query, status: answer.status, reason: answer.body.reason }).toEqual({ query, status, reason });
      expect(answer.headers['content-type']).toContain('application/problem+json');
      expect(answer.body.detail).toEqual(expect.any(String));
    }
    expect(await fingerprint(service)).toEqual(before);
    // The service's own connection still works normally afterwards (nothing left in a transaction).
    expect((await service.request('POST', '/translate', { body: { text_de: 'Der Hund.' } })).status).toBe(
      201,
    );
    await service.request(
      'DELETE',
      `/translations/${(await service.request('GET', '/translations?limit=1')).body.items[0].id}`,
    );
    expect(await fingerprint(service)).toEqual(before);
  });

  it('stops a query that outlives the 2 s limit with 422 timeout, the data unchanged', async () => {
    const before = await fingerprint(service);
    // Pure CPU: no temporary files, no memory to speak of, so only the deadline can stop it.
    const answer = await service.request('POST', '/sql', {
      body: { query: 'select count(*) from (select generate_series(1, 100000000000)) s' },
      as: 'admin',
    });
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ reason: 'timeout' });
    expect(answer.body.detail).toMatch(/limit of 2000 ms/);
    expect(await fingerprint(service)).toEqual(before);
  });

  it('behind the parser, the database itself refuses writes and other tables (executor called directly)', async () => {
    const backend =
      kind === 'postgresql'
        ? postgresConsole(String(consoleUrl))
        : pgliteSandbox(service.db, { migrationsDir: MIGRATIONS_DIR });
    const before = await fingerprint(service);
    try {
      // Each is one the parser would refuse; here the database refuses it: a cursor holds only a
      // query, a READ ONLY transaction refuses writes, the reader role has no other privilege.
      const cases: Array<[string, number, string]> = [
        ['delete from translations returning id', 400, 'query-error'],
        ['with gone as (delete from translations returning id) select * from gone', 400, 'query-error'],
        ["select nextval('translations_id_seq')", 403, 'permission-denied'],
        ['select * from pg_authid', 403, 'permission-denied'],
        ["select pg_read_file('/etc/passwd')", 403, 'permission-denied'],
        ["select lo_import('/etc/passwd')", 403, 'permission-denied'],
      ];
      for (const [query, status, reason] of cases) {
        const error = await executeConsoleQuery(backend, query, DEFAULT_LIMITS).then(
          () => undefined,
          (caught: unknown) => caught as { status: number; detail: string; extensions: { reason: string } },
        );
        expect({ query, status: error?.status, reason: error?.extensions.reason }).toEqual({
          query,
          status,
          reason,
        });
      }
      if (kind === 'postgresql') {
        // pg_sleep is refused by the parser; the timeout is the database's own backstop.
        const slow = await executeConsoleQuery(backend, 'select pg_sleep(5)', DEFAULT_LIMITS).catch(
          (caught: unknown) => caught as { status: number; extensions: { reason: string } },
        );
        expect(slow).toMatchObject({ status: 422, extensions: { reason: 'timeout' } });
      }
    } finally {
      await backend.close();
    }
    expect(await fingerprint(service)).toEqual(before);
  });

  if (kind === 'postgresql') {
    it('the console login role cannot write or read other tables even outside a read-only transaction', async () => {
      // The role the service itself connects as: the one a console user would most like to become.
      const serviceRole = decodeURIComponent(new URL(String(service.database.url)).username);
      const client = new pg.Client({ connectionString: consoleUrl });
      await client.connect();
      try {
        for (const statement of [
          'delete from translations',
          "insert into translations (text_de, text_en, engine, chars, ms) values ('a', 'b', 'c', 1, 1)",
          'select * from schema_migrations',
          'select * from pg_authid',
          'create table stolen (x int)',
          "select pg_read_file('/etc/passwd')",
          `set role "${serviceRole}"`,
        ]) {
          await expect(client.query(statement), statement).rejects.toMatchObject({
            code: expect.stringMatching(/^42501$/),
          });
        }
        expect((await client.query('select count(*)::int as n from translations')).rows[0].n).toBeGreaterThan(
          0,
        );
      } finally {
        await client.end();
      }
    });
  }
});
