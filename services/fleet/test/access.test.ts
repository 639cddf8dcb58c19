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
    const response = await fleet.request({
      method: 'POST',
      url: '/cars',
      body: {},
      headers: { authorization: '' },
    });
    expect(response.status).toBe(401);
    const list = await fleet.request({ method: 'GET', url: '/cars', headers: { authorization: '' } });
    expect(list.status).toBe(401);
  });

  it('lets a viewer read but not write', async () => {
    const viewer = await fleet.bearer(['viewer']);
    expect((await fleet.request({ method: 'GET', url: '/cars', headers: viewer })).status).toBe(200);
    const write = await fleet.request({
      method: 'POST',
      url: '/cars',
      body: { name: 'Polo' },
      headers: viewer,
    });
    expect(write.status).toBe(403);
    expect((await fleet.get('/cars')).body.items).toEqual([]);
  });
});
