import type { AddressInfo } from 'node:net';
import { ACCESS_TOKEN } from '@flotilla/kit';
import { testDatabaseKinds } from '@flotilla/kit/testing';
import { generateKeyPair, SignJWT } from 'jose';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadFleetConfig } from '../src/config.js';
import { type EventFeed, type Fleet, listening, openFeed, PROBLEM_JSON, startFleet } from './harness.js';

const at = (hhmm: string, day = '2032-06-01') => `${day}T${hhmm}:00Z`;

/** Opens a stream and waits for `ready`: from then on no change may be missed. */
async function subscribe(base: string, url: string, token: string): Promise<EventFeed> {
  const feed = await openFeed(base, url, token);
  expect(feed.status).toBe(200);
  expect(await feed.next()).toEqual({ event: 'ready', data: {}, id: undefined });
  return feed;
}

const event = (name: string, data: unknown) => ({ event: name, data, id: undefined });

describe.each(testDatabaseKinds())('fleet event streams on %s', (kind) => {
  let fleet: Fleet;
  let base: string;
  const feeds: EventFeed[] = [];
  beforeAll(async () => {
    fleet = await startFleet(kind);
    base = await listening(fleet);
  });
  afterAll(async () => {
    for (const feed of feeds) feed.close();
    await fleet?.close();
  });

  it('refuses anonymous subscribers with 401, before any stream opens', async () => {
    const anonymous = await fleet.get('/cars/events', { as: 'anonymous' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['content-type']).toContain(PROBLEM_JSON);
    expect((await fleet.get('/boats/events')).status).toBe(404);
  });

  it("delivers every change to the type's resources and bookings, as the REST API answers them, and only those", async () => {
    const feed = await subscribe(base, '/cars/events', fleet.tokens.viewer);
    feeds.push(feed);
    expect(feed.headers.get('content-type')).toContain('text/event-stream');
    expect(feed.raw()).toMatch(/^retry: \d+\n\n/m);
    expect((await fleet.get('/metrics')).text).toMatch(/^fleet_event_streams(\{[^}]*\})? [1-9]/m);

    // Another type's changes first: were they delivered, they would come before the car's.
    const lorry = await fleet.post('/lorries', { name: 'not a car' });
    await fleet.post(`/lorries/${lorry.body.id}/allocations`, { start: at('08:00'), end: at('09:00') });

    const car = await fleet.post('/cars', { name: 'streamed', attributes: { seats: 5 } });
    expect(car.status).toBe(201);
    expect(await feed.next()).toEqual(event('resource.created', car.body));
    const booked = await fleet.post(`/cars/${car.body.id}/allocations`, {
      start: at('10:00'),
      end: at('11:00'),
      holder: 'ada',
      note: 'seen live',
    });
    expect(booked.status).toBe(201);
    expect(await feed.next()).toEqual(event('allocation.created', booked.body));

    // A refused booking changes nothing, so it announces nothing: the cancellation comes next.
    expect((await fleet.post(`/cars/${car.body.id}/allocations`, { start: at('10:30'), end: at('11:30') })).status).toBe(409);
    expect((await fleet.del(`/cars/${car.body.id}/allocations/${booked.body.id}`)).status).toBe(204);
    expect(await feed.next()).toEqual(event('allocation.deleted', { id: booked.body.id, resourceId: car.body.id }));

    // Deleting a resource with its bookings (force) is one change: the resource is gone.
    await fleet.post(`/cars/${car.body.id}/allocations`, { start: at('12:00'), end: at('13:00') });
    const second = await feed.next();
    expect(second?.event).toBe('allocation.created');
    expect((await fleet.del(`/cars/${car.body.id}?force=true`)).status).toBe(204);
    expect(await feed.next()).toEqual(event('resource.deleted', { id: car.body.id }));
  });

  it('delivers a burst of bookings, more than one notification holds, each of them once', async () => {
    const feed = await subscribe(base, '/cars/events', fleet.tokens.viewer);
    feeds.push(feed);
    const car = await fleet.post('/cars', { name: 'busy' });
    expect((await feed.next())?.event).toBe('resource.created');
    // ~80 bytes of notice each: 200 of them take several 8000-byte NOTIFY payloads.
    const day = (i: number, hours = 0) => new Date(Date.UTC(2034, 0, 1) + i * 86_400_000 + hours * 3_600_000).toISOString();
    const booked = await Promise.all(
      Array.from({ length: 200 }, (_, i) => fleet.post(`/cars/${car.body.id}/allocations`, { start: day(i), end: day(i, 1) })),
    );
    expect(booked.every((r) => r.status === 201)).toBe(true);
    const seen: number[] = [];
    while (seen.length < booked.length) {
      const next = await feed.next();
      expect(next?.event).toBe('allocation.created');
      seen.push((next?.data as { id: number }).id);
    }
    const ids = (list: number[]) => [...list].sort((a, b) => a - b);
    expect(ids(seen)).toEqual(ids(booked.map((r) => r.body.id as number)));
  });

  it('gives every subscriber the change, and a runway subscriber only runways', async () => {
    const cars = [await subscribe(base, '/cars/events', fleet.tokens.viewer), await subscribe(base, '/cars/events', fleet.tokens.alice)];
    const runways = await subscribe(base, '/runways/events', fleet.tokens.viewer);
    feeds.push(...cars, runways);
    const car = await fleet.post('/cars', { name: 'watched twice' });
    const runway = await fleet.post('/runways', { name: '09L' });
    for (const feed of cars) expect(await feed.next()).toEqual(event('resource.created', car.body));
    expect(await runways.next()).toEqual(event('resource.created', runway.body));
  });

  it('ends open streams when the service closes, so that they do not hold it open', async () => {
    const own = await startFleet(kind);
    const feed = await subscribe(await listening(own), '/trucks/events', own.tokens.viewer);
    await own.close();
    expect(await feed.next()).toBeUndefined();
  });
});

describe.each(testDatabaseKinds())('past bookings on %s', (kind) => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet(kind);
  });
  afterAll(async () => fleet?.close());

  const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
  const stored = async (car: number) => (await fleet.get(`/cars/${car}/allocations`)).body.items;

  it('refuses a booking that starts in the past with 422 naming body.start, and stores nothing', async () => {
    const car = (await fleet.post('/cars', { name: 'no time travel' })).body.id;
    const refused = await fleet.post(`/cars/${car}/allocations`, { start: minutesAgo(60), end: at('10:00') });
    expect(refused.status).toBe(422);
    expect(refused.headers['content-type']).toContain(PROBLEM_JSON);
    expect(refused.body).toMatchObject({
      status: 422,
      reason: 'past',
      errors: [{ field: 'body.start', message: 'is in the past' }],
      graceSeconds: 60,
    });
    expect(refused.body.detail).toContain('allowPast');
    expect(Date.parse(refused.body.now)).not.toBeNaN();
    // Ended periods too, and an explicit allowPast: false.
    const ended = await fleet.post(`/cars/${car}/allocations`, {
      start: '2001-01-01T10:00:00Z',
      end: '2001-01-01T11:00:00Z',
      allowPast: false,
    });
    expect(ended.status).toBe(422);
    expect(await stored(car)).toEqual([]);
  });

  it('books a past start when allowPast is true, and counts a start within the grace as now', async () => {
    const car = (await fleet.post('/cars', { name: 'after the fact' })).body.id;
    const recorded = await fleet.post(`/cars/${car}/allocations`, {
      start: '2001-01-01T10:00:00Z',
      end: '2001-01-01T11:00:00Z',
      allowPast: true,
    });
    expect(recorded.status).toBe(201);
    expect(recorded.body).not.toHaveProperty('allowPast');
    // Half the grace ago: a form filled in at "now", or a client clock a little ahead.
    const now = await fleet.post(`/cars/${car}/allocations`, { start: minutesAgo(0.5), end: at('10:00') });
    expect(now.status).toBe(201);
    expect((await stored(car)).map((a: { id: number }) => a.id)).toEqual([recorded.body.id, now.body.id]);
  });

  it('still replays a booking retried with its Idempotency-Key after its start has passed', async () => {
    const car = (await fleet.post('/cars', { name: 'retried' })).body.id;
    const body = { start: minutesAgo(0.5), end: at('10:00') };
    const headers = { 'idempotency-key': 'late-retry' };
    const first = await fleet.post(`/cars/${car}/allocations`, body, { headers });
    expect(first.status).toBe(201);
    // The same request five minutes later (the service's clock moved on, not the test's wait).
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 5 * 60_000 });
    try {
      const retry = await fleet.post(`/cars/${car}/allocations`, body, { headers });
      expect(retry.status).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      const fresh = await fleet.post(`/cars/${car}/allocations`, body, { headers: { 'idempotency-key': 'too-late' } });
      expect(fresh.status).toBe(422);
    } finally {
      vi.useRealTimers();
    }
  });

  it('names who holds a period in the way, and when, in the 409', async () => {
    const car = (await fleet.post('/cars', { name: 'taken' })).body.id;
    const held = await fleet.post(`/cars/${car}/allocations`, { start: at('09:00'), end: at('11:00'), holder: 'grace' });
    const clash = await fleet.post(`/cars/${car}/allocations`, { start: at('10:00'), end: at('12:00') });
    expect(clash.status).toBe(409);
    expect(clash.body.conflicts).toEqual([
      expect.objectContaining({ id: held.body.id, holder: 'grace', start: held.body.start, end: held.body.end }),
    ]);
    expect(clash.body.detail).toContain('held by grace');
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('fleet event streams losing the database connection', () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet('postgresql');
  });
  afterAll(async () => fleet?.close());

  it('cuts its subscribers (who may have missed changes), and listens again for the next one', async () => {
    const base = await listening(fleet);
    const feed = await subscribe(base, '/cars/events', fleet.tokens.viewer);
    // What a failover or a restarted server does to the listening connection.
    await sql`select pg_terminate_backend(pid) from pg_stat_activity
              where datname = current_database() and query ilike 'listen %'`.execute(fleet.db);
    expect(await feed.next()).toBeUndefined();

    const again = await subscribe(base, '/cars/events', fleet.tokens.viewer);
    try {
      const car = await fleet.post('/cars', { name: 'after the cut' });
      expect(await again.next()).toEqual(event('resource.created', car.body));
    } finally {
      again.close();
    }
  });
});

describe('fleet event streams and the token that opened them', () => {
  it('cuts a stream when its token expires, so that a role taken away stops the feed too', async () => {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA');
    const app = await buildApp(loadFleetConfig({ LOG_LEVEL: 'silent' }), { accessKeys: async () => publicKey });
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as AddressInfo;
      const shortLived = await new SignJWT({ username: 'brief', roles: ['viewer'] })
        .setProtectedHeader({ alg: 'EdDSA', typ: ACCESS_TOKEN.type })
        .setIssuer(ACCESS_TOKEN.issuer)
        .setAudience(ACCESS_TOKEN.audience)
        .setSubject('9')
        .setIssuedAt()
        .setExpirationTime('2s')
        .sign(privateKey);
      const feed = await subscribe(`http://127.0.0.1:${port}`, '/cars/events', shortLived);
      expect(await feed.next()).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
