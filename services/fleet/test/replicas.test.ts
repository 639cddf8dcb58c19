import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventFeed, type Fleet, listening, openFeed, startFleet } from './harness.js';

// Several replicas need one database server; PGlite is one process by design.
describe.skipIf(!process.env.TEST_DATABASE_URL)('fleet replicas on one PostgreSQL database', () => {
  let a: Fleet;
  let b: Fleet;

  beforeAll(async () => {
    a = await startFleet('postgresql');
    b = await startFleet('postgresql', a.database);
  });
  afterAll(async () => {
    // b shares a's database: close its app only, and let a drop the database.
    await b?.app.close();
    await a?.close();
  });

  it('books once for retries of one Idempotency-Key sent to both replicas at once', async () => {
    // Both replicas sign `operator` with their own test key, for the same user id: one caller.
    const car = await a.post('/cars', { name: 'shared' });
    const book = (on: Fleet, start: string) =>
      on.post(
        `/cars/${car.body.id}/allocations`,
        { start, end: '2040-03-01T11:00:00Z' },
        { headers: { 'idempotency-key': 'across-replicas' } },
      );
    const retries = await Promise.all(
      Array.from({ length: 10 }, (_, i) => book(i % 2 ? b : a, '2040-03-01T10:00:00Z')),
    );
    expect(retries.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(retries.map((r) => r.body.id)).size).toBe(1);
    expect(retries.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(9);
    // The key is taken on every replica: another body under it is refused on either.
    for (const replica of [a, b]) {
      expect((await book(replica, '2040-03-01T10:30:00Z')).status).toBe(422);
    }
    const allocations = await b.get(`/cars/${car.body.id}/allocations`);
    expect(allocations.body.items).toHaveLength(1);
  });

  it('streams a change made through either replica to the subscribers of both', async () => {
    const [onA, onB] = await Promise.all(
      [a, b].map(async (replica) => {
        const feed = await openFeed(await listening(replica), '/cars/events', replica.tokens.viewer);
        expect((await feed.next())?.event).toBe('ready');
        return feed;
      }),
    );
    const feeds: EventFeed[] = [onA as EventFeed, onB as EventFeed];
    try {
      const car = await a.post('/cars', { name: 'seen from both' });
      const booked = await b.post(`/cars/${car.body.id}/allocations`, {
        start: '2040-04-01T10:00:00Z',
        end: '2040-04-01T11:00:00Z',
        holder: 'bob',
      });
      expect(booked.status).toBe(201);
      for (const feed of feeds) {
        expect(await feed.next()).toMatchObject({ event: 'resource.created', data: car.body });
        expect(await feed.next()).toMatchObject({ event: 'allocation.created', data: booked.body });
      }
      expect((await a.del(`/cars/${car.body.id}/allocations/${booked.body.id}`)).status).toBe(204);
      for (const feed of feeds) {
        expect(await feed.next()).toMatchObject({
          event: 'allocation.deleted',
          data: { id: booked.body.id, resourceId: car.body.id },
        });
      }
    } finally {
      for (const feed of feeds) feed.close();
    }
  });
});
