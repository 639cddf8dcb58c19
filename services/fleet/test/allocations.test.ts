import { testDatabaseKinds } from '@flotilla/kit/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectFieldProblem, type Fleet, PROBLEM_JSON, problem, startFleet } from './harness.js';

const at = (hhmm: string, day = '2031-05-01') => `${day}T${hhmm}:00Z`;

describe.each(testDatabaseKinds())('fleet allocations on %s', (kind) => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet(kind);
  });
  afterAll(async () => fleet?.close());

  // Names are unique per type: each test's resource gets its own.
  let named = 0;
  const newResource = async (plural: string, name = `r-${++named}`) => {
    const response = await fleet.post(`/${plural}`, { name });
    expect(response.status).toBe(201);
    return response.body.id as number;
  };
  const rows = async (resourceId: number) =>
    Number(
      (
        await sql<{
          n: number;
        }>`select count(*)::int as n from allocations where resource_id = ${resourceId}`.execute(fleet.db)
      ).rows[0]?.n,
    );

  it('books a period and returns exactly the documented fields, in UTC', async () => {
    const car = await newResource('cars');
    const created = await fleet.post(`/cars/${car}/allocations`, {
      start: '2031-05-01T12:00:00+02:00',
      end: '2031-05-01T13:30:00.250+02:00',
      holder: 'ada',
      note: 'airport run',
    });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(
      ['createdAt', 'end', 'holder', 'id', 'note', 'resourceId', 'start'].sort(),
    );
    expect(created.body).toMatchObject({
      resourceId: car,
      start: '2031-05-01T10:00:00.000Z',
      end: '2031-05-01T11:30:00.250Z',
      holder: 'ada',
      note: 'airport run',
    });
    const fetched = await fleet.get(`/cars/${car}/allocations/${created.body.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(created.body);
  });

  it('returns null holder and note when they are omitted', async () => {
    const car = await newResource('cars');
    const created = await fleet.post(`/cars/${car}/allocations`, { start: at('08:00'), end: at('09:00') });
    expect(created.body).toMatchObject({ holder: null, note: null });
  });

  it('accepts back-to-back bookings (half-open periods) and refuses an overlap naming the conflicts', async () => {
    const truck = await newResource('trucks', 'Big Red');
    const url = `/trucks/${truck}/allocations`;
    const morning = await fleet.post(url, { start: at('08:00'), end: at('10:00') });
    const noon = await fleet.post(url, { start: at('10:00'), end: at('12:00') });
    expect(morning.status).toBe(201);
    expect(noon.status).toBe(201);

    const clash = await fleet.post(url, { start: at('09:59'), end: at('10:01'), holder: 'late' });
    expect(clash.status).toBe(409);
    expect(clash.headers['content-type']).toContain(PROBLEM_JSON);
    expect(clash.body).toMatchObject(problem(409));
    expect(clash.body.conflicts.map((c: { id: number }) => c.id)).toEqual([morning.body.id, noon.body.id]);
    expect(clash.body.conflicts[0]).toEqual(morning.body);
    expect(clash.body).toMatchObject({
      resourceType: 'truck',
      resourceId: truck,
      requested: { start: '2031-05-01T09:59:00.000Z', end: '2031-05-01T10:01:00.000Z' },
    });
    // In words: no raw UTC ranges or #ids, which the machine-readable members carry.
    expect(clash.body.detail).toBe(
      'Truck "Big Red" is already booked during part of that time: 2 bookings overlap it. Choose another time or another truck',
    );
    const held = await fleet.post(url, { start: at('07:00'), end: at('08:00'), holder: 'ada' });
    const byAda = await fleet.post(url, { start: at('07:30'), end: at('08:30') });
    expect(byAda.body.conflicts.map((c: { id: number }) => c.id)).toEqual([held.body.id, morning.body.id]);
    expect(byAda.body.detail).toBe(
      'Truck "Big Red" is already booked during part of that time: 2 bookings (held by ada) overlap it. Choose another time or another truck',
    );
    expect(byAda.body.detail).not.toMatch(/\d{4}-\d{2}-\d{2}T|#\d/);
    expect(await rows(truck)).toBe(3);

    // The same resource's periods elsewhere, and other resources at the same time, are free.
    expect((await fleet.post(url, { start: at('12:00'), end: at('13:00') })).status).toBe(201);
    const other = await newResource('trucks');
    expect(
      (await fleet.post(`/trucks/${other}/allocations`, { start: at('09:00'), end: at('11:00') })).status,
    ).toBe(201);
  });

  it.each([
    [{ start: at('10:00'), end: at('10:00') }, 'body.end'],
    [{ start: at('11:00'), end: at('10:00') }, 'body.end'],
    [{ start: '2031-05-01T10:00:00', end: at('11:00') }, 'body.start'],
    [{ start: at('10:00'), end: 'tomorrow' }, 'body.end'],
    [{ start: '2031-02-30T10:00:00Z', end: at('11:00') }, 'body.start'],
    [{ start: 1_900_000_000, end: at('11:00') }, 'body.start'],
    [{ end: at('11:00') }, 'body.start'],
    [{ start: at('10:00'), end: at('11:00'), holder: '' }, 'body.holder'],
    [{ start: at('10:00'), end: at('11:00'), note: 'n\u0000' }, 'body.note'],
    [{ start: '0001-01-01T00:30:00+01:00', end: at('11:00') }, 'body.start'],
  ])('refuses %j with a 400 naming %s and books nothing', async (body, field) => {
    const car = await newResource('cars');
    expectFieldProblem(await fleet.post(`/cars/${car}/allocations`, body), field);
    expect(await rows(car)).toBe(0);
  });

  // Years PostgreSQL or the API's RFC 3339 output cannot hold, directly or after the offset, and a
  // leap second, which the date-time format admits but a Date cannot represent.
  it.each([
    '+275760-09-13T00:00:00Z',
    '275760-09-13T00:00:00Z',
    '-004713-01-01T00:00:00Z',
    '0000-01-01T00:00:00Z',
    '0001-01-01T00:00:00+23:59',
    '9999-12-31T23:59:59-23:59',
    '2016-12-31T23:59:60Z',
  ])('refuses the instant %s wherever a period bound is taken, with a 400 naming it', async (instant) => {
    const car = await newResource('cars');
    const odd = encodeURIComponent(instant);
    const fine = encodeURIComponent(at('10:00'));
    expectFieldProblem(await fleet.get(`/cars/available?from=${odd}&to=${fine}`), 'query.from');
    expectFieldProblem(await fleet.get(`/cars/available?from=${fine}&to=${odd}`), 'query.to');
    expectFieldProblem(await fleet.get(`/cars/${car}/allocations?from=${odd}`), 'query.from');
    expectFieldProblem(await fleet.get(`/cars/${car}/allocations?to=${odd}`), 'query.to');
    const book = (body: object) => fleet.post(`/cars/${car}/allocations`, body);
    expectFieldProblem(await book({ start: instant, end: at('10:00') }), 'body.start');
    expectFieldProblem(await book({ start: at('10:00'), end: instant }), 'body.end');
    expect(await rows(car)).toBe(0);
  });

  it('answers 404 for an unknown resource or one of another type', async () => {
    const lorry = await newResource('lorries');
    const body = { start: at('10:00'), end: at('11:00') };
    for (const url of ['/cars/2147483000/allocations', `/cars/${lorry}/allocations`, '/cars/x/allocations']) {
      const response = await fleet.post(url, body);
      expect(response.status, url).toBe(404);
      expect(response.headers['content-type']).toContain(PROBLEM_JSON);
    }
    expect(await rows(lorry)).toBe(0);
    expect((await fleet.post('/boats/1/allocations', body)).status).toBe(404);
  });

  describe('interval type: runway, 15-minute slots', () => {
    it('books whole consecutive slots, in any offset', async () => {
      const runway = await newResource('runways');
      const url = `/runways/${runway}/allocations`;
      expect((await fleet.post(url, { start: at('10:00'), end: at('10:15') })).status).toBe(201);
      expect((await fleet.post(url, { start: at('10:15'), end: at('11:30') })).status).toBe(201);
      // 16:15 in India (+05:30) is 10:45 UTC: a slot boundary.
      expect(
        (await fleet.post(url, { start: '2031-05-02T16:15:00+05:30', end: '2031-05-02T16:45:00+05:30' }))
          .status,
      ).toBe(201);
      expect((await fleet.post(url, { start: at('11:15'), end: at('11:45') })).status).toBe(409);
    });

    it.each([
      [at('10:05'), at('10:30'), ['body.start']],
      [at('10:00'), at('10:20'), ['body.end']],
      ['2031-05-01T10:00:30Z', at('10:15'), ['body.start']],
      ['2031-05-01T10:00:00.001Z', at('10:14'), ['body.start', 'body.end']],
    ])('refuses [%s, %s) with a 400 saying which slots are valid, naming %j', async (start, end, fields) => {
      const runway = await newResource('runways');
      const response = await fleet.post(`/runways/${runway}/allocations`, { start, end });
      expect(response.status).toBe(400);
      expect(response.body.detail).toBe(
        'a runway is booked in whole 15-minute slots: start and end must fall on :00, :15, :30, :45 past the hour, with zero seconds',
      );
      expect(response.body.errors.map((e: { field: string }) => e.field)).toEqual(fields);
      expect(response.body.slotMinutes).toBe(15);
      expect(response.body.validSlotBoundaries).toBe(':00, :15, :30, :45 past the hour, with zero seconds');
      expect(response.body.covering.start).toMatch(/T10:00:00.000Z$/);
      expect(await rows(runway)).toBe(0);
    });

    it('lets continuous types book any period', async () => {
      const car = await newResource('cars');
      expect(
        (await fleet.post(`/cars/${car}/allocations`, { start: at('10:07'), end: at('10:08') })).status,
      ).toBe(201);
    });
  });

  it('lists allocations sorted by start, filtered by [from, to), paged by cursor', async () => {
    const lorry = await newResource('lorries');
    const url = `/lorries/${lorry}/allocations`;
    const booked: Record<string, number> = {};
    // Booked out of order on purpose.
    for (const [start, end] of [
      ['12:00', '13:00'],
      ['08:00', '09:00'],
      ['10:00', '11:00'],
      ['09:00', '10:00'],
      ['14:00', '15:00'],
    ] as const) {
      const response = await fleet.post(url, { start: at(start), end: at(end) });
      expect(response.status).toBe(201);
      booked[start] = response.body.id;
    }
    const all = await fleet.get(url);
    expect(all.status).toBe(200);
    expect(all.body.items.map((a: { start: string }) => a.start.slice(11, 16))).toEqual([
      '08:00',
      '09:00',
      '10:00',
      '12:00',
      '14:00',
    ]);
    expect(all.body.nextCursor).toBeNull();

    // [09:30, 12:00) overlaps 09:00-10:00 and 10:00-11:00 but not 12:00-13:00 (half-open).
    const window = await fleet.get(
      `${url}?from=${encodeURIComponent(at('09:30'))}&to=${encodeURIComponent(at('12:00'))}`,
    );
    expect(window.body.items.map((a: { id: number }) => a.id)).toEqual([booked['09:00'], booked['10:00']]);
    const fromOnly = await fleet.get(`${url}?from=${encodeURIComponent(at('13:00'))}`);
    expect(fromOnly.body.items.map((a: { id: number }) => a.id)).toEqual([booked['14:00']]);
    const toOnly = await fleet.get(`${url}?to=${encodeURIComponent(at('09:00'))}`);
    expect(toOnly.body.items.map((a: { id: number }) => a.id)).toEqual([booked['08:00']]);

    const paged: number[] = [];
    let next = `${url}?limit=2`;
    for (let i = 0; i < 5; i++) {
      const page = await fleet.get(next);
      paged.push(...page.body.items.map((a: { id: number }) => a.id));
      if (!page.body.nextCursor) break;
      next = `${url}?limit=2&cursor=${page.body.nextCursor}`;
    }
    expect(paged).toEqual(all.body.items.map((a: { id: number }) => a.id));

    const backwards = await fleet.get(
      `${url}?from=${encodeURIComponent(at('12:00'))}&to=${encodeURIComponent(at('09:00'))}`,
    );
    expect(backwards.status).toBe(400);
    expect(backwards.body.detail).toContain('query.to');
    expect((await fleet.get(`${url}?from=yesterday`)).status).toBe(400);
    expect((await fleet.get(`${url}?limit=500`)).status).toBe(400);
  });

  const cursorOf = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
  const issued = '2031-05-01T10:00:00.000Z';
  it.each([
    ["a start at Date's upper edge, year +275760", ['+275760-09-13T00:00:00.000Z', 1]],
    ["a start at Date's lower edge, year -271821", ['-271821-04-20T00:00:00.000Z', 1]],
    ['a start in year 0, which PostgreSQL lacks', ['0000-01-01T00:00:00.000Z', 1]],
    ['an id beyond PostgreSQL integer', [issued, 2_147_483_648]],
    ['a start spelt otherwise than the service does', ['2031-05-01', 1]],
    ['a start that is no instant', ['soon', 1]],
    ['no id', [issued]],
    ['an extra element', [issued, 1, 2]],
    ['the key of a resource list', [1]],
  ])('refuses an allocation cursor with %s with a 400 naming query.cursor', async (_, key) => {
    const car = await newResource('cars');
    await fleet.post(`/cars/${car}/allocations`, { start: at('10:00'), end: at('11:00') });
    const response = await fleet.get(`/cars/${car}/allocations?cursor=${cursorOf(key)}`);
    expectFieldProblem(response, 'query.cursor');
  });

  it('gets and deletes one allocation, 404 once gone or under the wrong resource', async () => {
    const car = await newResource('cars');
    const other = await newResource('cars');
    const created = await fleet.post(`/cars/${car}/allocations`, { start: at('10:00'), end: at('11:00') });
    const aid = created.body.id;
    expect((await fleet.get(`/cars/${other}/allocations/${aid}`)).status).toBe(404);
    expect((await fleet.del(`/cars/${other}/allocations/${aid}`)).status).toBe(404);
    expect((await fleet.get(`/cars/${car}/allocations/nope`)).status).toBe(404);
    expect((await fleet.get(`/trucks/${car}/allocations/${aid}`)).status).toBe(404);

    const deleted = await fleet.del(`/cars/${car}/allocations/${aid}`);
    expect(deleted.status).toBe(204);
    const gone = await fleet.get(`/cars/${car}/allocations/${aid}`);
    expect(gone.status).toBe(404);
    expect(gone.headers['content-type']).toContain(PROBLEM_JSON);
    expect((await fleet.del(`/cars/${car}/allocations/${aid}`)).status).toBe(404);
    // The period is free again.
    expect(
      (await fleet.post(`/cars/${car}/allocations`, { start: at('10:00'), end: at('11:00') })).status,
    ).toBe(201);
  });

  it('finds the resources free for the whole period', async () => {
    // Trucks only, on a day nobody else books: other tests' trucks are free then too, so the
    // check is on the three created here.
    const day = '2032-07-07';
    const free = await newResource('trucks', 'free');
    const morning = await newResource('trucks', 'booked in the morning');
    const overlapping = await newResource('trucks', 'booked across the period');
    await fleet.post(`/trucks/${morning}/allocations`, { start: at('08:00', day), end: at('10:00', day) });
    await fleet.post(`/trucks/${overlapping}/allocations`, {
      start: at('11:00', day),
      end: at('11:30', day),
    });
    const mine = new Set([free, morning, overlapping]);
    const available = async (from: string, to: string) => {
      const response = await fleet.get(
        `/trucks/available?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&limit=200`,
      );
      expect(response.status).toBe(200);
      for (const item of response.body.items) expect(item.type).toBe('truck');
      return response.body.items.map((r: { id: number }) => r.id).filter((id: number) => mine.has(id));
    };
    // [10:00, 12:00) touches the morning booking's end (free) and contains the other.
    expect(await available(at('10:00', day), at('12:00', day))).toEqual([free, morning]);
    expect(await available(at('07:00', day), at('08:00', day))).toEqual([free, morning, overlapping]);
    expect(await available(at('09:00', day), at('11:15', day))).toEqual([free]);

    const missing = await fleet.get(`/trucks/available?from=${encodeURIComponent(at('10:00', day))}`);
    expect(missing.status).toBe(400);
    expect(missing.body.detail).toContain('query.to');
    const reversed = await fleet.get(
      `/trucks/available?from=${encodeURIComponent(at('12:00', day))}&to=${encodeURIComponent(at('10:00', day))}`,
    );
    expect(reversed.status).toBe(400);
    expect(reversed.body.detail).toContain('query.to');
  });

  describe('Idempotency-Key on booking', () => {
    it('replays the first booking for a retry instead of a 409 against itself', async () => {
      const car = await newResource('cars');
      const url = `/cars/${car}/allocations`;
      const body = { start: at('10:00'), end: at('11:00'), holder: 'ada' };
      const headers = { 'idempotency-key': 'book-1' };
      const first = await fleet.post(url, body, { headers });
      const retry = await fleet.post(url, body, { headers });
      expect(first.status).toBe(201);
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(first.body);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(await rows(car)).toBe(1);
      // Without the key the same body is a new booking, which overlaps the first.
      expect((await fleet.post(url, body)).status).toBe(409);
    });

    it('answers 422 for the same key with a different body and books nothing', async () => {
      const car = await newResource('cars');
      const url = `/cars/${car}/allocations`;
      const headers = { 'idempotency-key': 'book-2' };
      expect((await fleet.post(url, { start: at('10:00'), end: at('11:00') }, { headers })).status).toBe(201);
      const changed = await fleet.post(url, { start: at('12:00'), end: at('13:00') }, { headers });
      expect(changed.status).toBe(422);
      expect(changed.headers['content-type']).toContain(PROBLEM_JSON);
      expect(await rows(car)).toBe(1);
    });

    it("never answers another caller with someone else's booking under the same key", async () => {
      const car = await newResource('cars');
      const url = `/cars/${car}/allocations`;
      const body = { start: at('10:00'), end: at('11:00'), holder: 'alice' };
      const headers = { 'idempotency-key': 'book-shared' };
      const alice = { as: 'alice', headers } as const;
      const bob = { as: 'bob', headers } as const;
      expect((await fleet.post(url, body, alice)).status).toBe(201);
      // Bob's request is his own booking attempt, which the database finds overlapping Alice's.
      const bobs = await fleet.post(url, body, bob);
      expect(bobs.status).toBe(409);
      expect(bobs.headers['idempotent-replayed']).toBeUndefined();
      expect(await rows(car)).toBe(1);
    });

    it('leaves the key free after a refused booking so the retry can succeed later', async () => {
      const car = await newResource('cars');
      const url = `/cars/${car}/allocations`;
      const blocker = await fleet.post(url, { start: at('10:00'), end: at('11:00') });
      const headers = { 'idempotency-key': 'book-3' };
      const body = { start: at('10:30'), end: at('11:30') };
      expect((await fleet.post(url, body, { headers })).status).toBe(409);
      expect((await fleet.del(`${url}/${blocker.body.id}`)).status).toBe(204);
      expect((await fleet.post(url, body, { headers })).status).toBe(201);
    });
  });

  it('holds the rule in the database: a hand-written overlapping INSERT fails with 23P01', async () => {
    const car = await newResource('cars');
    await fleet.post(`/cars/${car}/allocations`, { start: at('10:00'), end: at('11:00') });
    await expect(
      sql`insert into allocations (resource_id, period) values (${car}, tstzrange(${at('10:30')}::timestamptz, ${at('10:45')}::timestamptz, '[)'))`.execute(
        fleet.db,
      ),
    ).rejects.toMatchObject({ code: '23P01' });
  });

  it('counts bookings and conflicts in /metrics', async () => {
    const metrics = await fleet.get('/metrics');
    expect(metrics.body).toMatch(/allocations_created_total\{[^}]*type="car"[^}]*\} [1-9]/);
    expect(metrics.body).toMatch(/allocation_conflicts_total\{[^}]*type="truck"[^}]*\} [1-9]/);
  });
});
