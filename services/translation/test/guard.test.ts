import { HttpProblem } from '@flotilla/kit';
import { describe, expect, it } from 'vitest';
import { checkConsoleQuery, type RefusalReason } from '../src/console/guard.js';

async function refusal(query: string): Promise<{ status: number; reason: RefusalReason; detail: string }> {
  try {
    await checkConsoleQuery(query);
  } catch (error) {
    if (!(error instanceof HttpProblem)) throw error;
    return { status: error.status, reason: error.extensions.reason as RefusalReason, detail: error.detail };
  }
  throw new Error(`accepted: ${query}`);
}

describe('SQL console guard (PostgreSQL parser)', () => {
  it.each([
    'select * from translations',
    'SELECT id, text_de, text_en FROM translations ORDER BY id DESC LIMIT 10',
    "select count(*) from translations where search @@ websearch_to_tsquery('simple', 'hund')",
    'with recent as (select * from translations order by id desc limit 5) select id from recent',
    'with a as (select id from translations), b as (select id from a) select * from b',
    'with recursive n(i) as (select 1 union all select i + 1 from n where i < 5) select * from n',
    'select id from translations union select id from public.translations',
    "select (select max(id) from translations), current_setting('statement_timeout'), now(), version()",
    'select g from generate_series(1, 10) g',
    'values (1), (2)',
    'table translations',
    'select length(text_de), upper(text_en), pg_catalog.lower(engine) from translations;',
    'select 1 -- a comment with ; inside',
    'select $$semi;colon$$',
  ])('accepts %s', async (query) => {
    await expect(checkConsoleQuery(query)).resolves.toBeUndefined();
  });

  it.each<[string, number, RefusalReason]>([
    ['select * from translations; delete from translations', 400, 'multiple-statements'],
    ['select 1; select 2', 400, 'multiple-statements'],
    ['', 400, 'empty'],
    ['-- only a comment', 400, 'empty'],
    ['selec * from translations', 400, 'syntax'],
    ['delete from translations', 403, 'not-a-query'],
    ["update translations set text_en = ''", 403, 'not-a-query'],
    ["insert into translations (text_de) values ('x')", 403, 'not-a-query'],
    ['drop table translations', 403, 'not-a-query'],
    ['truncate translations', 403, 'not-a-query'],
    ['alter table translations add column x int', 403, 'not-a-query'],
    ['create table x as select * from translations', 403, 'not-a-query'],
    ['copy translations to stdout', 403, 'not-a-query'],
    ["copy translations from '/etc/passwd'", 403, 'not-a-query'],
    ['set role postgres', 403, 'not-a-query'],
    ['reset role', 403, 'not-a-query'],
    ['set statement_timeout = 0', 403, 'not-a-query'],
    ['begin', 403, 'not-a-query'],
    ['commit', 403, 'not-a-query'],
    ['explain analyze delete from translations', 403, 'not-a-query'],
    ['do $$ begin delete from translations; end $$', 403, 'not-a-query'],
    ['grant all on translations to public', 403, 'not-a-query'],
    ['listen x', 403, 'not-a-query'],
    ['vacuum translations', 403, 'not-a-query'],
    ['select * into copy_of from translations', 403, 'select-into'],
    ['select * from translations for update', 403, 'locking-clause'],
    ['select * from translations for share skip locked', 403, 'locking-clause'],
    ['with gone as (delete from translations returning *) select * from gone', 403, 'data-modifying-cte'],
    ['with x as (update translations set ms = 0 returning id) select 1', 403, 'data-modifying-cte'],
    [
      'select * from (with x as (insert into translations default values returning 1) select 1) s',
      403,
      'data-modifying-cte',
    ],
    ['select pg_sleep(5)', 403, 'function-denied'],
    ['select * from pg_sleep(5)', 403, 'function-denied'],
    ["select pg_catalog.pg_sleep_for('5 s')", 403, 'function-denied'],
    ['select "pg_sleep"(5)', 403, 'function-denied'],
    ['select id from translations where pg_sleep(1) is null', 403, 'function-denied'],
    ["select set_config('role', 'postgres', true)", 403, 'function-denied'],
    ["select pg_read_file('/etc/passwd')", 403, 'function-denied'],
    ["select pg_read_binary_file('/etc/passwd')", 403, 'function-denied'],
    ["select pg_ls_dir('.')", 403, 'function-denied'],
    ["select lo_import('/etc/passwd')", 403, 'function-denied'],
    ["select lo_export(1, '/tmp/x')", 403, 'function-denied'],
    ["select dblink('host=x', 'select 1')", 403, 'function-denied'],
    ['select pg_terminate_backend(1)', 403, 'function-denied'],
    ['select pg_cancel_backend(1)', 403, 'function-denied'],
    ['select pg_advisory_lock(1)', 403, 'function-denied'],
    ["select query_to_xml('select * from pg_authid', true, true, '')", 403, 'function-denied'],
    ["select * from ts_stat('select search from pg_authid')", 403, 'function-denied'],
    ["select nextval('translations_id_seq')", 403, 'function-denied'],
    ['select evil.f()', 403, 'function-denied'],
    ['select * from pg_authid', 403, 'relation-denied'],
    ['select * from pg_catalog.pg_shadow', 403, 'relation-denied'],
    ['select * from pg_user', 403, 'relation-denied'],
    ['select * from information_schema.tables', 403, 'relation-denied'],
    ['select * from schema_migrations', 403, 'relation-denied'],
    ['select * from other_db.public.translations', 403, 'relation-denied'],
    ['select * from "Translations"', 403, 'relation-denied'],
    ['select id from translations where id in (select oid from pg_class)', 403, 'relation-denied'],
    ['select * from translations join pg_roles on true', 403, 'relation-denied'],
    // A CTE named like a catalog is fine, but the name is in scope only where PostgreSQL says so.
    ['with pg_authid as (select * from pg_authid) select * from pg_authid', 403, 'relation-denied'],
    [
      'select * from (with pg_authid as (select 1) select * from pg_authid) s, pg_authid',
      403,
      'relation-denied',
    ],
    ['with a as (select 1) select * from a union select * from pg_authid', 403, 'relation-denied'],
  ])('refuses %s', async (query, status, reason) => {
    const answer = await refusal(query);
    expect(answer.reason).toBe(reason);
    expect(answer.status).toBe(status);
    expect(answer.detail.length).toBeGreaterThan(10);
  });

  // Each used to overflow the checker's stack (a 500) or came back as a bogus syntax error.
  it.each([
    ['4,000 UNION ALLs', Array.from({ length: 4000 }, () => 'select 1').join(' union all ')],
    ['4,000 additions', `select ${Array.from({ length: 4000 }, () => '1').join(' + ')}`],
    ['4,000 nested calls', `select ${'coalesce('.repeat(4000)}1${')'.repeat(4000)}`],
    ['10,000 additions (the parser itself overflows)', `select ${Array.from({ length: 10_000 }, () => '1').join('+')}`],
    ['10,000 nested parentheses (bison runs out)', `${'('.repeat(10_000)}select 1${')'.repeat(10_000)}`],
  ])('refuses %s as too complex (400)', async (_name, query) => {
    expect(await refusal(query)).toMatchObject({ status: 400, reason: 'too-complex' });
  });

  it('accepts a long but shallow query (900 UNION ALLs)', async () => {
    const query = Array.from({ length: 900 }, (_, i) => `select ${i} from translations`).join(' union all ');
    await expect(checkConsoleQuery(query)).resolves.toBeUndefined();
  });

  it.each([
    ["update translations set text_en = ''", 'this is an UPDATE statement'],
    ["insert into translations (text_de) values ('x')", 'this is an INSERT statement'],
    ['delete from translations', 'this is a DELETE statement'],
    ['explain analyze delete from translations', 'this is an EXPLAIN statement'],
    ['alter table translations add column x int', 'this is an ALTER TABLE statement'],
    ['set role postgres', 'this is a SET ROLE statement'],
    ['reset role', 'this is a RESET ROLE statement'],
    ['set session authorization postgres', 'this is a SET SESSION AUTHORIZATION statement'],
    ['set statement_timeout = 0', 'this is a SET statement'],
    ['show work_mem', 'this is a SHOW statement'],
    ['begin', 'this is a BEGIN statement'],
    ['start transaction', 'this is a START TRANSACTION statement'],
    ['rollback to a', 'this is a ROLLBACK TO SAVEPOINT statement'],
    ['grant all on translations to public', 'this is a GRANT statement'],
    ['revoke all on translations from public', 'this is a REVOKE statement'],
    ['analyze translations', 'this is an ANALYZE statement'],
    ['vacuum translations', 'this is a VACUUM statement'],
    ['drop table translations', 'this is a DROP TABLE statement'],
    ['drop view v', 'this is a DROP VIEW statement'],
    ['create table x (y int)', 'this is a CREATE TABLE statement'],
    ['create table x as select * from translations', 'this is a CREATE TABLE AS statement'],
    ['create materialized view v as select 1', 'this is a CREATE MATERIALIZED VIEW statement'],
    ['create index i on translations (id)', 'this is a CREATE INDEX statement'],
    ['create sequence s', 'this is a CREATE SEQUENCE statement'],
    ['alter role current_user superuser', 'this is an ALTER ROLE statement'],
    ['alter system set work_mem = 1', 'this is an ALTER SYSTEM statement'],
    ['copy translations to stdout', 'this is a COPY statement'],
    ['do $$ begin end $$', 'this is a DO statement'],
    ['move 1 in c', 'this is a MOVE statement'],
    ['checkpoint', 'this is a CHECKPOINT statement'],
    ['with x as (update translations set ms = 0 returning id) select 1', 'WITH x holds an UPDATE statement'],
    ['with x as (insert into translations default values returning 1) select 1', 'WITH x holds an INSERT statement'],
  ])('names %s as people know it', async (query, words) => {
    expect((await refusal(query)).detail).toContain(words);
  });

  it('names the query field in refusals of what it is written as (400), not of what it does', async () => {
    const problemOf = (query: string) =>
      checkConsoleQuery(query).then(
        () => undefined,
        (error: unknown) => error as HttpProblem,
      );
    for (const query of ['selec 1', 'select 1; select 2', 'select $1']) {
      const problem = await problemOf(query);
      expect(problem?.status).toBe(400);
      expect(problem?.extensions.errors).toEqual([{ field: 'body.query', message: problem?.detail }]);
    }
    const policy = await problemOf('delete from translations');
    expect(policy?.status).toBe(403);
    expect(policy?.extensions.errors).toBeUndefined();
  });

  it('names the function and the relation it refused', async () => {
    expect((await refusal('select pg_sleep(5)')).detail).toContain('pg_sleep()');
    expect((await refusal('select * from pg_catalog.pg_authid')).detail).toContain('"pg_catalog.pg_authid"');
    expect((await refusal('delete from translations')).detail).toContain('DELETE');
  });
});
