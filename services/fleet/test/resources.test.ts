import { testDatabaseKinds } from '@flotilla/kit/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectFieldProblem, type Fleet, PROBLEM_JSON, problem, startFleet } from './harness.js';

describe.each(testDatabaseKinds())('fleet resources on %s', (kind) => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet(kind);
  });
  afterAll(async () => fleet?.close());

  const count = async (type: string) =>
    Number(
      (
        await sql<{ n: number }>`select count(*)::int as n from resources where type = ${type}`.execute(
          fleet.db,
        )
      ).rows[0]?.n,
    );

  it('registers a car and returns exactly the documented fields', async () => {
    const created = await fleet.post('/cars', { name: 'Herbie', attributes: { seats: 4, colour: 'white' } });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(['attributes', 'createdAt', 'id', 'name', 'type']);
    expect(created.body).toMatchObject({
      type: 'car',
      name: 'Herbie',
      attributes: { seats: 4, colour: 'white' },
    });
    expect(Number.isInteger(created.body.id)).toBe(true);
    expect(new Date(created.body.createdAt).toISOString()).toBe(created.body.createdAt);

    const fetched = await fleet.get(`/cars/${created.body.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(created.body);
  });

  it('defaults attributes to an empty object', async () => {
    const created = await fleet.post('/lorries', { name: 'L1' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ type: 'lorry', attributes: {} });
  });

  it.each([
    [{}, 'body.name'],
    [{ name: '' }, 'body.name'],
    [{ name: 42 }, 'body.name'],
    [{ name: 'x'.repeat(201) }, 'body.name'],
    [{ name: 'ok', attributes: [1, 2] }, 'body.attributes'],
    [{ name: 'ok', attributes: 'big' }, 'body.attributes'],
    // NUL is refused by kit for every service; these rows hold fleet to it.
    [{ name: 'nul\u0000byte' }, 'body.name'],
    [{ name: 'ok', attributes: { tag: 'nul\u0000' } }, 'body.attributes.tag'],
    [{ name: 'ok', attributes: { lone: '\ud800' } }, 'body.attributes.lone'],
    [{ name: 'ok', attributes: { '\udc00key': 1 } }, 'body.attributes.\udc00key'],
  ])('refuses %j with a 400 naming %s and creates nothing', async (body, field) => {
    const before = await count('truck');
    expectFieldProblem(await fleet.post('/trucks', body), field);
    expect(await count('truck')).toBe(before);
  });

  it('refuses a body that is not JSON', async () => {
    const response = await fleet.request('POST', '/cars', {
      body: '{"name":',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM_JSON);
  });

  it('answers 404 problem+json for a resource of another type, malformed ids and unknown types', async () => {
    const lorry = await fleet.post('/lorries', { name: 'not a car' });
    for (const url of [
      `/cars/${lorry.body.id}`,
      '/cars/abc',
      '/cars/0',
      '/cars/-1',
      '/cars/1.5',
      '/cars/99999999999999999999',
      '/cars/2147483648',
      '/boats',
      '/boats/1',
      `/cars/${lorry.body.id}/allocations`,
    ]) {
      const response = await fleet.get(url);
      expect(response.status, url).toBe(404);
      expect(response.headers['content-type'], url).toContain(PROBLEM_JSON);
      expect(response.body, url).toMatchObject(problem(404));
    }
    expect((await fleet.del(`/cars/${lorry.body.id}`)).status).toBe(404);
    expect((await fleet.get(`/lorries/${lorry.body.id}`)).status).toBe(200);
  });

  it('names what was not found, ids as given in the path', async () => {
    const missing = await fleet.get('/cars/abc');
    expect(missing.body).toMatchObject({ resourceType: 'car', resourceId: 'abc', detail: 'there is no car with id abc' });
    const car = await fleet.post('/cars', { name: 'found' });
    const booking = await fleet.get(`/cars/${car.body.id}/allocations/7x`);
    expect(booking.status).toBe(404);
    expect(booking.body).toMatchObject({ resourceType: 'car', resourceId: String(car.body.id), allocationId: '7x' });
  });

  it.each([
    ['POST', '/cars', { name: 'typo', atributes: {} }, 'body.atributes'],
    ['GET', '/cars?offset=10', undefined, 'query.offset'],
    ['GET', '/cars/available?from=2031-01-01T00:00:00Z&to=2031-01-02T00:00:00Z&type=car', undefined, 'query.type'],
    ['DELETE', '/cars/1?forse=true', undefined, 'query.forse'],
  ] as const)('refuses an unknown property: %s %s names %s', async (method, url, body, field) => {
    const before = await count('car');
    const answer = await fleet.request(method, url, body === undefined ? {} : { body });
    expectFieldProblem(answer, field);
    expect(answer.body.errors).toEqual([{ field, message: 'is not a known field' }]);
    expect(await count('car')).toBe(before);
  });

  it('pages through a type with a cursor, oldest first, only that type', async () => {
    const own = await fleet.post('/runways', { name: 'r-0' });
    const ids = [own.body.id];
    for (let i = 1; i < 5; i++) ids.push((await fleet.post('/runways', { name: `r-${i}` })).body.id);
    await fleet.post('/cars', { name: 'a car among runways' });

    const seen: number[] = [];
    let url = '/runways?limit=2';
    for (let pages = 0; pages < 10; pages++) {
      const page = await fleet.get(url);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      for (const item of page.body.items) expect(item.type).toBe('runway');
      seen.push(...page.body.items.map((item: { id: number }) => item.id));
      if (page.body.nextCursor === null) break;
      url = `/runways?limit=2&cursor=${encodeURIComponent(page.body.nextCursor)}`;
    }
    expect(seen).toEqual(ids);

    const all = await fleet.get('/runways');
    expect(all.body).toEqual({ items: expect.any(Array), nextCursor: null });
    expect(Object.keys(all.body.items[0]).sort()).toEqual(['attributes', 'createdAt', 'id', 'name', 'type']);
    expect(all.body.items).toHaveLength(5);
  });

  it.each([
    ['/cars?limit=201', 'query.limit'],
    ['/cars?limit=0', 'query.limit'],
    ['/cars?limit=ten', 'query.limit'],
    ['/cars?limit=99999999999999999999', 'query.limit'],
    ['/cars?cursor=not-a-cursor', 'query.cursor'],
    [`/cars?cursor=${Buffer.from('["x"]').toString('base64url')}`, 'query.cursor'],
  ])('refuses %s with a 400 naming %s', async (url, field) => {
    expectFieldProblem(await fleet.get(url), field);
  });

  const cursorOf = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
  it.each([
    ['an id beyond PostgreSQL integer', cursorOf([2_147_483_648])],
    ['id 0', cursorOf([0])],
    ['a negative id', cursorOf([-1])],
    ['a fractional id', cursorOf([1.5])],
    ['no id', cursorOf([null])],
    ['an extra element', cursorOf([1, 2])],
    ['an object for a key', cursorOf({ id: 1 })],
    ['another JSON spelling of a valid key', Buffer.from('[1.0]').toString('base64url')],
    ['base64 padding the service never adds', `${cursorOf([1])}==`],
    ['bytes that are not JSON', '____'],
  ])('refuses a cursor with %s, naming query.cursor, on lists and availability', async (_, cursor) => {
    const period = 'from=2031-01-01T00%3A00%3A00Z&to=2031-01-02T00%3A00%3A00Z';
    const encoded = encodeURIComponent(cursor);
    expectFieldProblem(await fleet.get(`/cars?cursor=${encoded}`), 'query.cursor');
    expectFieldProblem(await fleet.get(`/cars/available?${period}&cursor=${encoded}`), 'query.cursor');
  });

  it('accepts limit=200', async () => {
    expect((await fleet.get('/cars?limit=200')).status).toBe(200);
  });

  it('deletes a resource with no allocations', async () => {
    const car = await fleet.post('/cars', { name: 'scrap' });
    const deleted = await fleet.del(`/cars/${car.body.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBe('');
    expect((await fleet.get(`/cars/${car.body.id}`)).status).toBe(404);
    expect((await fleet.del(`/cars/${car.body.id}`)).status).toBe(404);
  });

  it('refuses to delete a resource with allocations that have not ended, unless force=true', async () => {
    const car = await fleet.post('/cars', { name: 'busy' });
    const id = car.body.id;
    const past = await fleet.post(`/cars/${id}/allocations`, {
      start: '2001-01-01T10:00:00Z',
      end: '2001-01-01T11:00:00Z',
      allowPast: true,
    });
    expect(past.status).toBe(201);
    const future = await fleet.post(`/cars/${id}/allocations`, {
      start: '2099-01-01T10:00:00Z',
      end: '2099-01-01T11:00:00Z',
      holder: 'ada',
    });
    expect(future.status).toBe(201);

    const refused = await fleet.del(`/cars/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.headers['content-type']).toContain(PROBLEM_JSON);
    // Only the allocation that has not ended is listed: the past one does not block.
    expect(refused.body).toMatchObject({ resourceType: 'car', resourceId: id, unendedCount: 1 });
    expect(refused.body.conflicts).toEqual([future.body]);
    expect(refused.body.detail).toBe(
      'Car "busy" still has 1 booking that has not ended: cancel it first, or delete with force=true to cancel it too',
    );
    expect((await fleet.get(`/cars/${id}`)).status).toBe(200);

    expect((await fleet.del(`/cars/${id}?force=maybe`)).status).toBe(400);
    expect((await fleet.del(`/cars/${id}?force=true`)).status).toBe(204);
    expect((await fleet.get(`/cars/${id}`)).status).toBe(404);
    const left = await sql<{
      n: number;
    }>`select count(*)::int as n from allocations where resource_id = ${id}`.execute(fleet.db);
    expect(left.rows[0]?.n).toBe(0);
  });

  it('deletes a resource whose allocations have all ended without force', async () => {
    const car = await fleet.post('/cars', { name: 'retired' });
    const past = await fleet.post(`/cars/${car.body.id}/allocations`, {
      start: '2001-01-01T10:00:00Z',
      end: '2001-01-01T11:00:00Z',
      allowPast: true,
    });
    expect(past.status).toBe(201);
    expect((await fleet.del(`/cars/${car.body.id}`)).status).toBe(204);
  });

  describe('Idempotency-Key on POST', () => {
    it('replays the first response for a retry with the same key and body, creating nothing new', async () => {
      const before = await count('car');
      const headers = { 'idempotency-key': 'create-car-1' };
      const first = await fleet.post('/cars', { name: 'once', attributes: { a: 1, b: 2 } }, { headers });
      expect(first.status).toBe(201);
      // Same body, keys in another order: the same request.
      const retry = await fleet.post('/cars', { attributes: { b: 2, a: 1 }, name: 'once' }, { headers });
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(first.body);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect(await count('car')).toBe(before + 1);
    });

    it('answers 422 for the same key with a different body, and creates nothing', async () => {
      const headers = { 'idempotency-key': 'create-car-2' };
      expect((await fleet.post('/cars', { name: 'first' }, { headers })).status).toBe(201);
      const before = await count('car');
      const reused = await fleet.post('/cars', { name: 'second' }, { headers });
      expect(reused.status).toBe(422);
      expect(reused.headers['content-type']).toContain(PROBLEM_JSON);
      expect(reused.body.detail).toContain('create-car-2');
      expect(await count('car')).toBe(before);
    });

    it('scopes keys to the collection', async () => {
      const headers = { 'idempotency-key': 'shared-key' };
      const car = await fleet.post('/cars', { name: 'same' }, { headers });
      const truck = await fleet.post('/trucks', { name: 'same' }, { headers });
      expect(truck.status).toBe(201);
      expect(truck.body.id).not.toBe(car.body.id);
      expect(truck.body.type).toBe('truck');
    });

    it('does not store a refused request under its key', async () => {
      const headers = { 'idempotency-key': 'fix-and-retry' };
      expect((await fleet.post('/cars', { name: '' }, { headers })).status).toBe(400);
      expect((await fleet.post('/cars', { name: 'fixed' }, { headers })).status).toBe(201);
    });

    it("keeps callers' keys apart: another caller's request under the same key runs as their own", async () => {
      const headers = { 'idempotency-key': 'per-caller' };
      const alice = { as: 'alice', headers } as const;
      const bob = { as: 'bob', headers } as const;
      const carol = { as: 'carol', headers } as const;
      const before = await count('car');
      const first = await fleet.post('/cars', { name: "alice's car" }, alice);
      expect(first.status).toBe(201);

      // Same key and body from Bob: it runs as his own request, not as a replay of Alice's
      // response (which would be her 201): her car has the name, so his is refused, 409.
      const bobs = await fleet.post('/cars', { name: "alice's car" }, bob);
      expect(bobs.status).toBe(409);
      expect(bobs.body).toMatchObject({ resourceId: first.body.id, errors: [{ field: 'body.name', message: 'is taken' }] });
      expect(bobs.headers['idempotent-replayed']).toBeUndefined();
      // Another body from Carol: no 422, which would tell her that someone used the key.
      const carols = await fleet.post('/cars', { name: "carol's car" }, carol);
      expect(carols.status).toBe(201);
      expect(carols.body.name).toBe("carol's car");

      // Each caller's own retry answers as their first request did: replayed for Alice and
      // Carol; for Bob run again (a refused request stores nothing), refused again.
      const aliceRetry = await fleet.post('/cars', { name: "alice's car" }, alice);
      const bobRetry = await fleet.post('/cars', { name: "alice's car" }, bob);
      const carolRetry = await fleet.post('/cars', { name: "carol's car" }, carol);
      expect(aliceRetry.body).toEqual(first.body);
      expect(carolRetry.body).toEqual(carols.body);
      expect(aliceRetry.headers['idempotent-replayed']).toBe('true');
      expect(carolRetry.headers['idempotent-replayed']).toBe('true');
      expect(bobRetry.status).toBe(409);
      expect(bobRetry.headers['idempotent-replayed']).toBeUndefined();
      expect(await count('car')).toBe(before + 2);
    });

    it('refuses a malformed key with a 400 naming the header', async () => {
      const response = await fleet.post('/cars', { name: 'x' }, { headers: { 'idempotency-key': 'has spaces' } });
      expect(response.status).toBe(400);
      expect(response.body.detail).toContain('header.idempotency-key');
    });
  });

  it('counts domain metrics', async () => {
    const metrics = await fleet.get('/metrics');
    expect(metrics.body).toMatch(/fleet_resources_created_total\{[^}]*type="car"[^}]*\} [1-9]/);
  });

  it('keeps every type at its own path and no other first segment', async () => {
    for (const plural of ['cars', 'lorries', 'trucks', 'runways']) {
      expect((await fleet.get(`/${plural}`)).status, plural).toBe(200);
    }
    for (const url of ['/carsx', '/xcars', '/car', '/users', '/api/cars', '/cars|lorries', '/CARS']) {
      const response = await fleet.get(url);
      expect(response.status, url).toBe(404);
      expect(response.body.detail, url).toMatch(/^no route for GET/);
    }
  });
});
