import { generateKeyPairSync } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@flotilla/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  bearer,
  cookiesOf,
  cookieValue,
  login,
  startUsers,
  type TestUsers,
  viaGateway,
} from './helpers.js';

// Several replicas need one database server; PGlite is one process by design.
describe.skipIf(!process.env.TEST_DATABASE_URL)('users replicas on one PostgreSQL database', () => {
  let database: TestDatabase;
  let a: TestUsers;
  let b: TestUsers;

  beforeAll(async () => {
    database = await createTestDatabase('postgresql');
    // What SIGNING_KEY_FILE gives every replica.
    const { privateKey: signingKey } = generateKeyPairSync('ed25519');
    const env = {
      LOGIN_MAX_ATTEMPTS_PER_USERNAME_AND_IP: '3',
      LOGIN_MAX_ATTEMPTS_PER_IP: '100',
      LOGIN_WINDOW_SECONDS: '600',
    };
    const replica = () => startUsers('postgresql', env, { reuse: database, signingKey });
    // Started together, as a Deployment's replicas are: one first admin between them.
    [a, b] = await Promise.all([replica(), replica()]);
  });
  afterAll(async () => {
    // Each harness would drop the shared database: close the apps, then drop it once.
    await Promise.all([a?.app.close(), b?.app.close()]);
    await database?.drop();
  });

  it('publishes one JWKS from every replica, so a token from one is good on the other', async () => {
    const jwks = await Promise.all(
      [a, b].map(async (replica) => (await replica.app.inject('/.well-known/jwks.json')).json()),
    );
    expect(jwks[0].keys).toHaveLength(1);
    expect(jwks[1]).toEqual(jwks[0]);
    const session = await login(a.app, 'admin', ADMIN_PASSWORD);
    const me = await b.app.inject({ url: '/auth/me', headers: bearer(session.accessToken) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ username: 'admin' });
    // Both started on an empty database: they made one first admin between them.
    const accounts = await b.request('GET', '/users', { headers: bearer(session.accessToken) });
    expect(accounts.body.items.map((u: { username: string }) => u.username)).toEqual(['admin']);
  });

  it('rotates on B a refresh token issued by A; replaying it on A then revokes the family', async () => {
    const session = await login(a.app, 'admin', ADMIN_PASSWORD);
    const refresh = (on: TestUsers, token: string) =>
      on.app.inject({ method: 'POST', url: '/auth/refresh', cookies: { flotilla_refresh: token } });
    const rotated = await refresh(b, session.refreshToken);
    expect(rotated.statusCode).toBe(200);
    const successor = cookieValue(cookiesOf(rotated).flotilla_refresh);
    const replay = await refresh(a, session.refreshToken);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().detail).toContain('already used');
    expect((await refresh(b, successor)).statusCode).toBe(401);
  });

  it('counts login attempts on both replicas against one limit', async () => {
    const from = viaGateway('198.51.100.77');
    const statuses: number[] = [];
    for (const replica of [a, b, a, b]) {
      const response = await replica.app.inject({
        method: 'POST',
        url: '/auth/login',
        headers: from,
        payload: { username: 'admin', password: 'a wrong guess' },
      });
      statuses.push(response.statusCode);
    }
    // The limit is 3 per (username, client): the fourth attempt is refused, on whichever replica.
    expect(statuses).toEqual([401, 401, 401, 429]);
  });
});
