import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/index.js';
import { createTestDatabase, testDatabaseKinds } from '../src/testing.js';

describe.each(testDatabaseKinds())('Database.listen on %s', (kind) => {
  it('hears what committed transactions notify, in order, and nothing rolled back', async () => {
    const test = await createTestDatabase(kind);
    const database = await openDatabase({ name: 'kit-listen', url: test.url });
    try {
      const heard: string[] = [];
      let marker: () => void = () => {};
      const markerHeard = new Promise<void>((resolve) => {
        marker = resolve;
      });
      const listening = await database.listen('kit_test', {
        notify: (payload) => {
          heard.push(payload);
          if (payload === 'last') marker();
        },
        lost: () => {},
      });
      const notify = (payload: string) => sql`select pg_notify('kit_test', ${payload})`;
      await database.db.transaction().execute(async (trx) => {
        await notify('first').execute(trx);
        await notify('second').execute(trx);
      });
      await database.db
        .transaction()
        .execute(async (trx) => {
          await notify('rolled back').execute(trx);
          throw new Error('roll back');
        })
        .catch(() => {});
      await sql`select pg_notify('other_channel', 'elsewhere')`.execute(database.db);
      await notify('last').execute(database.db);
      await markerHeard;
      expect(heard).toEqual(['first', 'second', 'last']);
      await listening.close();
    } finally {
      await database.close();
      await test.drop();
    }
  });

  it('refuses a channel name it would have to quote', async () => {
    const test = await createTestDatabase(kind);
    const database = await openDatabase({ name: 'kit-listen', url: test.url });
    try {
      await expect(database.listen('x; drop table things', { notify: () => {}, lost: () => {} })).rejects.toThrow(
        /not a channel name/,
      );
    } finally {
      await database.close();
      await test.drop();
    }
  });
});
