import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@flotilla/kit';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../src/app.js';
import { type Fleet, PROBLEM_JSON, startFleet } from './harness.js';

describe('a resource name is unique per type, in any case', () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet('pglite');
  });
  afterAll(async () => fleet?.close());

  it('refuses a taken name with a 409 naming the field and the resource that has it, and stores nothing', async () => {
    const golf = await fleet.post('/cars', { name: 'Golf-1' });
    expect(golf.status).toBe(201);
    for (const name of ['Golf-1', 'GOLF-1', 'golf-1']) {
      const again = await fleet.post('/cars', { name });
      expect(again.status).toBe(409);
      expect(again.headers['content-type']).toContain(PROBLEM_JSON);
      expect(again.body).toMatchObject({
        status: 409,
        resourceType: 'car',
        resourceId: golf.body.id,
        errors: [{ field: 'body.name', message: 'is taken' }],
      });
      expect(again.body.detail).toBe(
        `there is already a car named "Golf-1" (id ${golf.body.id}): names are unique per type, in any case`,
      );
    }
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from resources where lower(name) = 'golf-1'`.execute(fleet.db);
    expect(rows[0]?.n).toBe(1);
  });

  it('lets another type use the name, and the name be used again once its resource is deleted', async () => {
    const car = await fleet.post('/cars', { name: 'Atlas' });
    expect((await fleet.post('/lorries', { name: 'Atlas' })).status).toBe(201);
    expect((await fleet.del(`/cars/${car.body.id}`)).status).toBe(204);
    expect((await fleet.post('/cars', { name: 'atlas' })).status).toBe(201);
  });

  it('gives one of two simultaneous registrations of a name the 201, the other the 409', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => fleet.post('/trucks', { name: 'Twin' })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
  });
});

describe('the upgrade to unique names (migration 003)', () => {
  const parent = mkdtempSync(join(tmpdir(), 'fleet-names-'));
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it('keeps every resource, telling apart the names taken more than once by the later ones’ ids', async () => {
    const before = join(parent, 'migrations');
    const dataDir = join(parent, 'data');
    mkdirSync(before);
    for (const file of ['001_fleet.sql', '002_idempotency_caller.sql']) copyFileSync(join(MIGRATIONS_DIR, file), join(before, file));
    const old = await openDatabase<Record<string, never>>({ name: 'fleet', dataDir, migrationsDir: before, extensions: ['btree_gist'] });
    await sql`insert into resources (type, name) values ('car', 'Golf'), ('car', 'golf'), ('car', 'Golf'), ('lorry', 'Golf'), ('car', 'Polo')`.execute(old.db);
    await old.close();

    const upgraded = await openDatabase<Record<string, never>>({ name: 'fleet', dataDir, migrationsDir: MIGRATIONS_DIR, extensions: ['btree_gist'] });
    const { rows } = await sql<{ id: number; type: string; name: string }>`select id, type, name from resources order by id`.execute(upgraded.db);
    await upgraded.close();
    const [, second, third] = rows.map((row) => row.id);
    expect(rows.map(({ type, name }) => `${type} ${name}`)).toEqual([
      'car Golf',
      `car golf (#${second})`,
      `car Golf (#${third})`,
      'lorry Golf',
      'car Polo',
    ]);
  });
});
