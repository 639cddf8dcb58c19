import { testDatabaseKinds } from '@flotilla/kit/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fleet, startFleet } from './harness.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const BASE = Date.parse('2040-01-01T00:00:00Z');

/**
 * 200 bookings of one car in 20 back-to-back one-hour windows, 10 per window. Every booking
 * contains its window's midpoint, so any two in a window overlap; bookings in different windows
 * never do (one per window is the whole window, touching its neighbours at the ends). The
 * non-overlapping subset that can succeed is therefore exactly one booking per window.
 */
function contestedBookings() {
  const bookings: Array<{ window: number; start: string; end: string }> = [];
  for (let window = 0; window < 20; window++) {
    const from = BASE + window * HOUR;
    for (let i = 0; i < 10; i++) {
      const trimStart = i === 0 ? 0 : ((i * 7) % 29) * MINUTE;
      const trimEnd = i === 0 ? 0 : ((i * 11) % 29) * MINUTE;
      bookings.push({
        window,
        start: new Date(from + trimStart).toISOString(),
        end: new Date(from + HOUR - trimEnd).toISOString(),
      });
    }
  }
  // A fixed permutation (7919 is prime to 200) interleaves the windows, so contested requests
  // are in flight together rather than one window after another.
  return bookings.map((_, i) => bookings[(i * 7919) % bookings.length] as (typeof bookings)[number]);
}

describe.each(testDatabaseKinds())('concurrent bookings on %s', (kind) => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet(kind);
  });
  afterAll(async () => fleet?.close());

  it('lets exactly one booking per contested window through; the rest get 409 and nothing overlaps', async () => {
    const car = (await fleet.post('/cars', { name: 'contested' })).body.id as number;
    const bookings = contestedBookings();
    expect(bookings).toHaveLength(200);

    const responses = await Promise.all(
      bookings.map((booking) =>
        fleet.post(`/cars/${car}/allocations`, {
          start: booking.start,
          end: booking.end,
          holder: `w${booking.window}`,
        }),
      ),
    );

    const tally: Record<number, number> = {};
    for (const response of responses) tally[response.status] = (tally[response.status] ?? 0) + 1;
    // On failure, show what anything else was.
    expect(responses.filter((r) => r.status !== 201 && r.status !== 409).map((r) => r.body)).toEqual([]);
    expect(tally).toEqual({ 201: 20, 409: 180 });

    const winners = new Map<number, number>();
    responses.forEach((response, index) => {
      const booking = bookings[index];
      if (!booking || response.status !== 201) return;
      expect(winners.has(booking.window)).toBe(false);
      winners.set(booking.window, response.body.id);
    });
    expect(winners.size).toBe(20);
    // Each refusal names the allocation that won its window.
    responses.forEach((response, index) => {
      const booking = bookings[index];
      if (!booking || response.status !== 409) return;
      expect(response.body.conflicts.map((c: { id: number }) => c.id)).toContain(winners.get(booking.window));
    });

    const overlaps = await sql<{ n: number }>`
      select count(*)::int as n
      from allocations a join allocations b
        on a.resource_id = b.resource_id and a.id < b.id and a.period && b.period`.execute(fleet.db);
    expect(overlaps.rows[0]?.n).toBe(0);
    const stored = await sql<{ n: number }>`
      select count(*)::int as n from allocations where resource_id = ${car}`.execute(fleet.db);
    expect(stored.rows[0]?.n).toBe(20);
  });

  it('creates one allocation for many simultaneous retries carrying the same Idempotency-Key', async () => {
    const car = (await fleet.post('/cars', { name: 'retried' })).body.id as number;
    const body = { start: '2040-02-01T10:00:00Z', end: '2040-02-01T11:00:00Z' };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        fleet.post(`/cars/${car}/allocations`, body, { headers: { 'idempotency-key': 'one-booking' } }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
    expect(responses.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(19);
    const stored = await sql<{ n: number }>`
      select count(*)::int as n from allocations where resource_id = ${car}`.execute(fleet.db);
    expect(stored.rows[0]?.n).toBe(1);
  });

  it('never leaves an allocation behind a resource deleted while bookings race it', async () => {
    const car = (await fleet.post('/cars', { name: 'deleted mid-rush' })).body.id as number;
    const requests = Array.from({ length: 30 }, (_, i) =>
      fleet.post(`/cars/${car}/allocations`, {
        start: new Date(BASE + i * HOUR).toISOString(),
        end: new Date(BASE + (i + 1) * HOUR).toISOString(),
      }),
    );
    const deletion = fleet.del(`/cars/${car}?force=true`);
    const responses = await Promise.all(requests);
    expect((await deletion).status).toBe(204);
    for (const response of responses) expect([201, 404]).toContain(response.status);
    const orphans = await sql<{ n: number }>`
      select count(*)::int as n from allocations where resource_id = ${car}`.execute(fleet.db);
    expect(orphans.rows[0]?.n).toBe(0);
  });
});
