import type { ServiceApp } from '@flotilla/kit';
import { createTestDatabase, type TestDatabase, testTokens } from '@flotilla/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadFleetConfig } from '../src/config.js';

// Several replicas need one database server; PGlite is one process by design.
describe.skipIf(!process.env.TEST_DATABASE_URL)('fleet replicas on one PostgreSQL database', () => {
  let database: TestDatabase;
  let a: ServiceApp;
  let b: ServiceApp;
  let operator: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase('postgresql');
    const tokens = await testTokens();
    operator = await tokens.bearer(['operator']);
    const config = loadFleetConfig({ LOG_LEVEL: 'silent', DATABASE_URL: database.url as string });
    [a, b] = await Promise.all([
      buildApp(config, { accessKeys: tokens.keys }),
      buildApp(config, { accessKeys: tokens.keys }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await database?.drop();
  });

  it('books once for retries of one Idempotency-Key sent to both replicas at once', async () => {
    const car = await a.inject({
      method: 'POST',
      url: '/cars',
      headers: operator,
      payload: { name: 'shared' },
    });
    const book = (on: ServiceApp, start: string) =>
      on.inject({
        method: 'POST',
        url: `/cars/${car.json().id}/allocations`,
        headers: { ...operator, 'idempotency-key': 'across-replicas' },
        payload: { start, end: '2040-03-01T11:00:00Z' },
      });
    const retries = await Promise.all(
      Array.from({ length: 10 }, (_, i) => book(i % 2 ? b : a, '2040-03-01T10:00:00Z')),
    );
    expect(retries.map((r) => r.statusCode)).toEqual(Array(10).fill(201));
    expect(new Set(retries.map((r) => r.json().id)).size).toBe(1);
    expect(retries.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(9);
    // The key is taken on every replica: another body under it is refused on either.
    for (const replica of [a, b]) {
      expect((await book(replica, '2040-03-01T10:30:00Z')).statusCode).toBe(422);
    }
    const allocations = await b.inject({ url: `/cars/${car.json().id}/allocations`, headers: operator });
    expect(allocations.json().items).toHaveLength(1);
  });
});
