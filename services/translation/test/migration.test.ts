import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '@flotilla/kit';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../src/app.js';

const adminUrl = process.env.TEST_DATABASE_URL;

/**
 * In Compose the service's own role migrates, and it has no CREATEROLE: the migration must still
 * succeed and leave the console role to the administrator. Roles are cluster-wide and other tests
 * create translation_console_reader, so the missing-role branch runs on a copy of the migration
 * under a fresh role name.
 */
describe.skipIf(!adminUrl)('the migration as a role without CREATEROLE (PostgreSQL)', () => {
  it('succeeds, with a notice instead of the role, and grants once the role exists', async () => {
    const suffix = Math.random().toString(36).slice(2, 10);
    const owner = `tr_owner_${suffix}`;
    const reader = `tr_reader_${suffix}`;
    const database = `tr_migration_${suffix}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    const url = new URL(String(adminUrl));
    url.username = owner;
    url.password = 'owner-test';
    url.pathname = `/${database}`;
    try {
      await admin.query(`create role ${owner} login password 'owner-test' nocreaterole nosuperuser`);
      await admin.query(`create database ${database} owner ${owner}`);
      const text = (await readFile(join(MIGRATIONS_DIR, '001_translations.sql'), 'utf8')).replaceAll(
        'translation_console_reader',
        reader,
      );
      const dir = await mkdtemp(join(tmpdir(), 'translation-migration-'));
      try {
        await writeFile(join(dir, '001_translations.sql'), text);
        const notices: string[] = [];
        const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
        pool.on('connect', (client) => client.on('notice', (notice) => notices.push(notice.message ?? '')));
        try {
          expect(await migrate(pool, 'translation', dir)).toEqual(['001_translations.sql']);
          expect(notices.join('\n')).toContain(`role ${reader} not created`);
          const roles = await pool.query('select 1 from pg_roles where rolname = $1', [reader]);
          expect(roles.rowCount).toBe(0);
        } finally {
          await pool.end();
        }
        // The administrator creates the role (as the Compose init does) and the grant, as owner, works.
        await admin.query(`create role ${reader} nologin`);
        const ownerClient = new pg.Client({ connectionString: url.toString() });
        await ownerClient.connect();
        try {
          await ownerClient.query(text.slice(text.indexOf('do $$')));
          const grants = await ownerClient.query(
            "select privilege_type from information_schema.role_table_grants where grantee = $1 and table_name = 'translations'",
            [reader],
          );
          expect(grants.rows.map((row) => row.privilege_type)).toEqual(['SELECT']);
        } finally {
          await ownerClient.end();
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    } finally {
      await admin.query(`drop database if exists ${database} with (force)`);
      await admin.query(`drop role if exists ${reader}`);
      await admin.query(`drop role if exists ${owner}`);
      await admin.end();
    }
  });
});
