import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fleet, startFleet } from './harness.js';

// The fleet refuses callers itself, so reaching it past the gateway gains nothing.
describe('fleet access control', () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet('pglite');
  });
  afterAll(async () => fleet?.close());

  it('refuses anonymous callers with 401 before validating anything', async () => {
    expect((await fleet.post('/cars', {}, { as: 'anonymous' })).status).toBe(401);
    expect((await fleet.get('/cars', { as: 'anonymous' })).status).toBe(401);
    expect((await fleet.get('/runways/1/allocations', { as: 'anonymous' })).status).toBe(401);
  });

  it('lets a viewer read but not write', async () => {
    expect((await fleet.get('/cars', { as: 'viewer' })).status).toBe(200);
    expect((await fleet.post('/cars', { name: 'Polo' }, { as: 'viewer' })).status).toBe(403);
    expect((await fleet.del('/cars/1', { as: 'viewer' })).status).toBe(403);
    expect((await fleet.post('/cars/1/allocations', {}, { as: 'viewer' })).status).toBe(403);
    expect((await fleet.get('/cars')).body.items).toEqual([]);
  });

  it('declares reads for viewers and writes for operators, on every route', () => {
    const fleetRoutes = fleet.app.declaredRoutes.filter((route) => route.url.startsWith('/:type('));
    expect(fleetRoutes.length).toBeGreaterThan(0);
    for (const route of fleetRoutes) {
      const reads = route.methods.every((method) => method === 'GET' || method === 'HEAD');
      expect(route.access, `${route.methods.join(',')} ${route.url}`).toBe(reads ? 'viewer' : 'operator');
      expect(route.expose).toBe('api');
    }
  });
});
