/**
 * Every kind of statement the SQL console refuses is named as SQL names it, with the right article
 * ("an UPDATE statement", "a SET ROLE statement"), never after the parser's node ("a VARIABLE SET
 * statement") or with "a" before a vowel. Aliases are named by the statement they stand for (END is
 * COMMIT, ABORT is ROLLBACK, ALTER/DROP USER are ALTER/DROP ROLE).
 */
import type { HttpProblem } from '@flotilla/kit';
import { describe, expect, it } from 'vitest';
import { checkConsoleQuery } from '../src/console/guard.js';

async function refusalOf(query: string): Promise<HttpProblem> {
  try {
    await checkConsoleQuery(query);
  } catch (error) {
    return error as HttpProblem;
  }
  throw new Error(`not refused: ${query}`);
}

const STATEMENTS: Array<[query: string, named: string]> = [
  ['update translations set ms=0', 'an UPDATE'],
  ['insert into translations default values', 'an INSERT'],
  ['delete from translations', 'a DELETE'],
  ['merge into translations t using translations s on t.id=s.id when matched then do nothing', 'a MERGE'],
  ['explain select 1', 'an EXPLAIN'],
  ['set role postgres', 'a SET ROLE'],
  ['reset role', 'a RESET ROLE'],
  ['reset all', 'a RESET ALL'],
  ['set session authorization x', 'a SET SESSION AUTHORIZATION'],
  ['reset session authorization', 'a RESET SESSION AUTHORIZATION'],
  ['set local work_mem = 1', 'a SET'],
  ["set time zone 'UTC'", 'a SET'],
  ['set transaction isolation level serializable', 'a SET TRANSACTION'],
  ['set session characteristics as transaction read only', 'a SET SESSION CHARACTERISTICS'],
  ['set constraints all deferred', 'a SET CONSTRAINTS'],
  ['show all', 'a SHOW'],
  ['begin', 'a BEGIN'],
  ['start transaction', 'a START TRANSACTION'],
  ['commit', 'a COMMIT'],
  ['end', 'a COMMIT'],
  ['rollback', 'a ROLLBACK'],
  ['abort', 'a ROLLBACK'],
  ['savepoint a', 'a SAVEPOINT'],
  ['release a', 'a RELEASE SAVEPOINT'],
  ['rollback to a', 'a ROLLBACK TO SAVEPOINT'],
  ["prepare transaction 'x'", 'a PREPARE TRANSACTION'],
  ["commit prepared 'x'", 'a COMMIT PREPARED'],
  ["rollback prepared 'x'", 'a ROLLBACK PREPARED'],
  ['grant select on translations to x', 'a GRANT'],
  ['revoke select on translations from x', 'a REVOKE'],
  ['grant r to x', 'a GRANT'],
  ['revoke r from x', 'a REVOKE'],
  ['analyze', 'an ANALYZE'],
  ['vacuum', 'a VACUUM'],
  ['vacuum full', 'a VACUUM'],
  ['cluster translations', 'a CLUSTER'],
  ['reindex table translations', 'a REINDEX'],
  ['truncate translations', 'a TRUNCATE'],
  ['lock translations', 'a LOCK'],
  ['listen x', 'a LISTEN'],
  ['notify x', 'a NOTIFY'],
  ['unlisten x', 'an UNLISTEN'],
  ["load 'x'", 'a LOAD'],
  ['discard all', 'a DISCARD'],
  ['prepare p as select 1', 'a PREPARE'],
  ['execute p', 'an EXECUTE'],
  ['deallocate p', 'a DEALLOCATE'],
  ['declare c cursor for select 1', 'a DECLARE'],
  ['fetch 1 from c', 'a FETCH'],
  ['move 1 in c', 'a MOVE'],
  ['close c', 'a CLOSE'],
  ['copy translations from stdin', 'a COPY'],
  ['do $$ begin end $$', 'a DO'],
  ['call p()', 'a CALL'],
  ['checkpoint', 'a CHECKPOINT'],
  ['create table x (a int)', 'a CREATE TABLE'],
  ['create temp table x (a int)', 'a CREATE TABLE'],
  ['create unlogged table x (a int)', 'a CREATE TABLE'],
  ['create table x as select 1', 'a CREATE TABLE AS'],
  ['create materialized view v as select 1', 'a CREATE MATERIALIZED VIEW'],
  ['refresh materialized view v', 'a REFRESH MATERIALIZED VIEW'],
  ['create view v as select 1', 'a CREATE VIEW'],
  ['create or replace view v as select 1', 'a CREATE VIEW'],
  ['create index i on translations(id)', 'a CREATE INDEX'],
  ['create unique index i on translations(id)', 'a CREATE INDEX'],
  ['create sequence s', 'a CREATE SEQUENCE'],
  ['alter sequence s restart', 'an ALTER SEQUENCE'],
  ['create schema s', 'a CREATE SCHEMA'],
  ['create database d', 'a CREATE DATABASE'],
  ['drop database d', 'a DROP DATABASE'],
  ['alter database d set x = 1', 'an ALTER DATABASE'],
  ['alter database d rename to e', 'an ALTER DATABASE'],
  ['create role r', 'a CREATE ROLE'],
  ['create user u', 'a CREATE USER'],
  ['create group g', 'a CREATE GROUP'],
  ['alter role r superuser', 'an ALTER ROLE'],
  ['alter user u superuser', 'an ALTER ROLE'],
  ['alter role r set work_mem = 1', 'an ALTER ROLE'],
  ['drop role r', 'a DROP ROLE'],
  ['drop user u', 'a DROP ROLE'],
  ['create extension e', 'a CREATE EXTENSION'],
  ['alter extension e update', 'an ALTER EXTENSION'],
  ['drop extension e', 'a DROP EXTENSION'],
  ["create function f() returns int as 'select 1' language sql", 'a CREATE FUNCTION'],
  ["create procedure p() as 'select 1' language sql", 'a CREATE PROCEDURE'],
  ["create or replace function f() returns int as 'select 1' language sql", 'a CREATE FUNCTION'],
  ['alter function f() owner to x', 'an ALTER FUNCTION'],
  ['drop function f()', 'a DROP FUNCTION'],
  ['drop procedure p()', 'a DROP PROCEDURE'],
  ['create trigger t after insert on translations execute function f()', 'a CREATE TRIGGER'],
  ['drop trigger t on translations', 'a DROP TRIGGER'],
  ['create event trigger t on ddl_command_start execute function f()', 'a CREATE EVENT TRIGGER'],
  ['create rule r as on insert to translations do nothing', 'a CREATE RULE'],
  ['create type t as (a int)', 'a CREATE TYPE'],
  ["create type t as enum ('a')", 'a CREATE TYPE'],
  ['create type t as range (subtype = int)', 'a CREATE TYPE'],
  ['create domain d as int', 'a CREATE DOMAIN'],
  ['create aggregate a (int) (sfunc = f, stype = int)', 'a CREATE AGGREGATE'],
  ['create operator === (procedure = f, leftarg = int, rightarg = int)', 'a CREATE OPERATOR'],
  ["create collation c (locale = 'C')", 'a CREATE COLLATION'],
  ['create text search configuration c (parser = default)', 'a CREATE TEXT SEARCH CONFIGURATION'],
  ['create foreign data wrapper f', 'a CREATE FOREIGN DATA WRAPPER'],
  ['create server s foreign data wrapper f', 'a CREATE SERVER'],
  ['create foreign table f (a int) server s', 'a CREATE FOREIGN TABLE'],
  ['create user mapping for current_user server s', 'a CREATE USER MAPPING'],
  ['import foreign schema x from server s into y', 'an IMPORT FOREIGN SCHEMA'],
  ['create publication p', 'a CREATE PUBLICATION'],
  ["create subscription s connection '' publication p", 'a CREATE SUBSCRIPTION'],
  ['create policy p on translations', 'a CREATE POLICY'],
  ['alter policy p on translations rename to q', 'an ALTER POLICY'],
  ['alter table translations enable row level security', 'an ALTER TABLE'],
  ['alter table translations rename to t', 'an ALTER TABLE'],
  ['alter table translations rename column id to x', 'an ALTER TABLE'],
  ['alter table translations owner to x', 'an ALTER TABLE'],
  ['alter table translations set schema x', 'an ALTER TABLE'],
  ['alter index i rename to j', 'an ALTER INDEX'],
  ['alter view v rename to w', 'an ALTER VIEW'],
  ['alter materialized view v rename to w', 'an ALTER MATERIALIZED VIEW'],
  ["alter type t add value 'b'", 'an ALTER TYPE'],
  ['alter domain d set not null', 'an ALTER DOMAIN'],
  ['alter system set work_mem = 1', 'an ALTER SYSTEM'],
  ['alter default privileges grant select on tables to x', 'an ALTER DEFAULT PRIVILEGES'],
  ['alter large object 1 owner to x', 'an ALTER LARGE OBJECT'],
  ["comment on table translations is 'x'", 'a COMMENT'],
  ["security label on table translations is 'x'", 'a SECURITY LABEL'],
  ['reassign owned by x to y', 'a REASSIGN OWNED'],
  ['drop owned by x', 'a DROP OWNED'],
  ["create tablespace t location '/x'", 'a CREATE TABLESPACE'],
  ['drop tablespace t', 'a DROP TABLESPACE'],
  ['create statistics s on id, ms from translations', 'a CREATE STATISTICS'],
  ['create cast (int as text) with inout', 'a CREATE CAST'],
  ['create transform for int language sql (from sql with function f(internal))', 'a CREATE TRANSFORM'],
  ['create access method a type table handler h', 'a CREATE ACCESS METHOD'],
  ["create conversion c for 'LATIN1' to 'UTF8' from f", 'a CREATE CONVERSION'],
  ['create operator class c for type int using btree as operator 1 <', 'a CREATE OPERATOR CLASS'],
  ['create operator family f using btree', 'a CREATE OPERATOR FAMILY'],
  ['drop table translations', 'a DROP TABLE'],
  ['drop view v', 'a DROP VIEW'],
  ['drop index i', 'a DROP INDEX'],
  ['drop schema s', 'a DROP SCHEMA'],
  ['drop type t', 'a DROP TYPE'],
  ['drop sequence s', 'a DROP SEQUENCE'],
  ['drop materialized view v', 'a DROP MATERIALIZED VIEW'],
  ['drop table if exists a, b', 'a DROP TABLE'],
  ['alter table translations rename constraint c to d', 'an ALTER TABLE'],
  ['alter type t rename attribute a to b', 'an ALTER TYPE'],
  ['alter tablespace t set (seq_page_cost = 1)', 'an ALTER TABLESPACE'],
  ['drop access method a', 'a DROP ACCESS METHOD'],
  ['alter operator family f using btree add operator 1 < (int, int)', 'an ALTER OPERATOR FAMILY'],
  ['alter text search dictionary d (x = 1)', 'an ALTER TEXT SEARCH DICTIONARY'],
  ['alter text search configuration c add mapping for word with simple', 'an ALTER TEXT SEARCH CONFIGURATION'],
  ["alter foreign data wrapper f options (a '1')", 'an ALTER FOREIGN DATA WRAPPER'],
  ["alter server s options (a '1')", 'an ALTER SERVER'],
  ['alter event trigger t disable', 'an ALTER EVENT TRIGGER'],
  ['alter statistics s set statistics 1', 'an ALTER STATISTICS'],
  ['alter extension e add function f()', 'an ALTER EXTENSION'],
  ['alter function f() depends on extension e', 'an ALTER FUNCTION'],
  ['alter procedure p() security definer', 'an ALTER PROCEDURE'],
  ['alter function f() immutable', 'an ALTER FUNCTION'],
  ['alter table all in tablespace a set tablespace b', 'an ALTER TABLE'],
  ['alter database d refresh collation version', 'an ALTER DATABASE'],
  ['alter trigger t on translations rename to u', 'an ALTER TRIGGER'],
];

describe('console refusals name the statement', () => {
  it.each(STATEMENTS)('%s → "this is %s statement" (403 not-a-query)', async (query, named) => {
    const problem = await refusalOf(query);
    expect(problem.status).toBe(403);
    expect(problem.extensions.reason).toBe('not-a-query');
    expect(problem.message).toBe(`only queries (SELECT) may run in the SQL console; this is ${named} statement`);
  });

  it('uses "an" before a vowel and "a" before a consonant throughout', () => {
    for (const [, named] of STATEMENTS) {
      const [article, word] = named.split(' ');
      expect(article, named).toBe(/^[AEIOU]/.test(word ?? '') ? 'an' : 'a');
    }
  });

  it.each([
    ['with x as (update translations set ms = 0 returning 1) select 1', 'WITH x holds an UPDATE statement'],
    ['with x as (delete from translations returning 1) select 1', 'WITH x holds a DELETE statement'],
    ['with x as (insert into translations default values returning 1) select 1', 'WITH x holds an INSERT statement'],
    [
      'with x as (merge into translations t using translations s on t.id = s.id when matched then do nothing returning 1) select 1',
      'WITH x holds a MERGE statement',
    ],
  ])('names the statement a CTE holds: %s', async (query, words) => {
    const problem = await refusalOf(query);
    expect(problem.extensions.reason).toBe('data-modifying-cte');
    expect(problem.message).toContain(words);
  });
});
