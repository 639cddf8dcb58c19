import { generateKeyPairSync } from 'node:crypto';
import { ACCESS_TOKEN } from '@flotilla/kit';
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from '@flotilla/kit/testing';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  bearer,
  cookiesOf,
  cookieValue,
  GATEWAY_SECRET,
  login,
  someClient,
  startUsers,
  type TestUsers,
} from './helpers.js';

describe.each(testDatabaseKinds())('users service on %s', (kind) => {
  let database: TestDatabase;
  let users: TestUsers;
  let admin: string;
  /** Every secret the suite handles; none may appear in the log. */
  const secrets: string[] = [ADMIN_PASSWORD, GATEWAY_SECRET];

  const call = (
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    token?: string,
    payload?: object,
  ) =>
    users.app.inject({ method, url, headers: token ? bearer(token) : {}, ...(payload ? { payload } : {}) });

  async function createAccount(username: string, roles: string[], password = `${username}-password-1`) {
    const response = await call('POST', '/users', admin, { username, roles, password });
    expect(response.statusCode, response.body).toBe(201);
    secrets.push(password);
    const session = await login(users.app, username, password);
    secrets.push(session.accessToken, session.refreshToken);
    return { id: response.json().id as number, password, ...session };
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    users = await startUsers(database.url, {
      LOGIN_MAX_ATTEMPTS_PER_USERNAME_AND_IP: '3',
      LOGIN_MAX_ATTEMPTS_PER_IP: '5',
      LOGIN_WINDOW_SECONDS: '600',
    });
    const session = await login(users.app, 'admin', ADMIN_PASSWORD);
    admin = session.accessToken;
    secrets.push(session.accessToken, session.refreshToken);
  });

  afterAll(async () => {
    await users?.app.close();
    await database?.drop();
  });

  describe('login', () => {
    it('returns a token, the user, and httpOnly SameSite=Lax cookies', async () => {
      const response = await users.app.inject({
        method: 'POST',
        url: '/auth/login',
        headers: someClient(),
        payload: { username: 'ADMIN', password: ADMIN_PASSWORD },
      });
      expect(response.statusCode).toBe(200);
      const body = response.json();
      secrets.push(body.accessToken);
      expect(body).toMatchObject({
        expiresIn: 600,
        user: { username: 'admin', roles: ['admin'], disabled: false },
      });
      expect(body.user).not.toHaveProperty('passwordHash');
      const cookies = cookiesOf(response);
      secrets.push(cookieValue(cookies.flotilla_refresh));
      expect(cookies.flotilla_session).toMatch(/HttpOnly/);
      expect(cookies.flotilla_session).toMatch(/SameSite=Lax/);
      expect(cookies.flotilla_session).not.toMatch(/Secure/);
      expect(cookieValue(cookies.flotilla_session)).toBe(body.accessToken);
      expect(cookies.flotilla_refresh).toMatch(/Path=\/auth;/);
    });

    it('marks cookies Secure behind https and scopes the refresh cookie to the public prefix', async () => {
      const response = await users.app.inject({
        method: 'POST',
        url: '/auth/login',
        headers: { ...someClient(), 'x-forwarded-proto': 'https', 'x-forwarded-prefix': '/api' },
        payload: { username: 'admin', password: ADMIN_PASSWORD },
      });
      secrets.push(response.json().accessToken);
      const cookies = cookiesOf(response);
      secrets.push(cookieValue(cookies.flotilla_refresh));
      expect(cookies.flotilla_session).toMatch(/Secure/);
      expect(cookies.flotilla_refresh).toMatch(/Secure/);
      expect(cookies.flotilla_refresh).toMatch(/Path=\/api\/auth;/);
    });

    it('answers the same 401 for a wrong password and an unknown user', async () => {
      const wrong = await call('POST', '/auth/login', undefined, {
        username: 'admin',
        password: 'not the password',
      });
      const unknown = await call('POST', '/auth/login', undefined, {
        username: 'nobody',
        password: 'whatever123',
      });
      expect(wrong.statusCode).toBe(401);
      expect(unknown.statusCode).toBe(401);
      expect(wrong.json().detail).toBe(unknown.json().detail);
      expect(wrong.headers['content-type']).toContain('application/problem+json');
    });

    it('names the missing field in a 400', async () => {
      const response = await call('POST', '/auth/login', undefined, { username: 'admin' });
      expect(response.statusCode).toBe(400);
      expect(response.json().detail).toContain('body.password');
    });

    it('refuses a disabled account, even with the right password, and ends its sessions', async () => {
      const account = await createAccount('dora', ['viewer']);
      const disable = await call('PATCH', `/users/${account.id}`, admin, { disabled: true });
      expect(disable.json()).toMatchObject({ disabled: true });
      const attempt = await users.app.inject({
        method: 'POST',
        url: '/auth/login',
        headers: someClient(),
        payload: { username: 'dora', password: account.password },
      });
      expect(attempt.statusCode).toBe(401);
      const refresh = await users.app.inject({
        method: 'POST',
        url: '/auth/refresh',
        cookies: { flotilla_refresh: account.refreshToken },
      });
      expect(refresh.statusCode).toBe(401);
    });
  });

  describe('tokens', () => {
    it('tells the caller who they are', async () => {
      const response = await call('GET', '/auth/me', admin);
      expect(response.json()).toMatchObject({ username: 'admin', roles: ['admin'] });
    });

    it('publishes the public key, and only the public key', async () => {
      const jwks = (await call('GET', '/.well-known/jwks.json')).json();
      expect(jwks.keys).toHaveLength(1);
      expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
      expect(jwks.keys[0]).not.toHaveProperty('d');
    });

    it('refuses tampered, expired, wrong-key and foreign tokens with 401', async () => {
      const [header, payload, signature] = admin.split('.');
      const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
      const promoted = Buffer.from(JSON.stringify({ ...claims, sub: '999' })).toString('base64url');
      const tampered = `${header}.${promoted}.${signature}`;
      const sign = (key: Parameters<SignJWT['sign']>[0], options: { exp?: number; aud?: string } = {}) =>
        new SignJWT({ username: 'admin', roles: ['admin'] })
          .setProtectedHeader({ alg: 'EdDSA', typ: ACCESS_TOKEN.type })
          .setIssuer(ACCESS_TOKEN.issuer)
          .setAudience(options.aud ?? ACCESS_TOKEN.audience)
          .setSubject('1')
          .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
          .setExpirationTime(options.exp ?? Math.floor(Date.now() / 1000) + 600)
          .sign(key);
      const expired = await sign(users.signingKey, { exp: Math.floor(Date.now() / 1000) - 60 });
      const wrongKey = await sign(generateKeyPairSync('ed25519').privateKey);
      const otherAudience = await sign(users.signingKey, { aud: 'someone-else' });
      const valid = await sign(users.signingKey);
      expect((await call('GET', '/auth/me', valid)).statusCode).toBe(200);
      for (const token of [tampered, expired, wrongKey, otherAudience, 'not-a-jwt']) {
        const response = await call('GET', '/auth/me', token);
        expect(response.statusCode, token).toBe(401);
        expect(response.headers['www-authenticate']).toContain('Bearer');
      }
      expect((await call('GET', '/auth/me', expired)).json().detail).toContain('expired');
    });

    it('rotates the refresh token, and reuse of an old one revokes the whole family', async () => {
      const session = await login(users.app, 'admin', ADMIN_PASSWORD);
      secrets.push(session.accessToken, session.refreshToken);
      const refresh = (token: string) =>
        users.app.inject({ method: 'POST', url: '/auth/refresh', cookies: { flotilla_refresh: token } });
      const first = await refresh(session.refreshToken);
      expect(first.statusCode).toBe(200);
      const second = cookieValue(cookiesOf(first).flotilla_refresh);
      secrets.push(second, first.json().accessToken);
      expect(second).not.toBe(session.refreshToken);
      expect((await call('GET', '/auth/me', first.json().accessToken)).statusCode).toBe(200);

      const replay = await refresh(session.refreshToken);
      expect(replay.statusCode).toBe(401);
      expect(replay.json().detail).toContain('already used');
      // The legitimate successor dies with the family.
      expect((await refresh(second)).statusCode).toBe(401);
      // Another login's family is untouched.
      const other = await login(users.app, 'admin', ADMIN_PASSWORD);
      secrets.push(other.accessToken, other.refreshToken);
      const ok = await refresh(other.refreshToken);
      secrets.push(ok.json().accessToken, cookieValue(cookiesOf(ok).flotilla_refresh));
      expect(ok.statusCode).toBe(200);
    });

    it('logout revokes the refresh token and clears the cookies', async () => {
      const session = await login(users.app, 'admin', ADMIN_PASSWORD);
      secrets.push(session.accessToken, session.refreshToken);
      const out = await users.app.inject({
        method: 'POST',
        url: '/auth/logout',
        cookies: { flotilla_refresh: session.refreshToken },
      });
      expect(out.statusCode).toBe(204);
      expect(cookiesOf(out).flotilla_session).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/);
      const refresh = await users.app.inject({
        method: 'POST',
        url: '/auth/refresh',
        cookies: { flotilla_refresh: session.refreshToken },
      });
      expect(refresh.statusCode).toBe(401);
    });
  });

  describe('API keys', () => {
    it('are shown once, accepted as Bearer and X-API-Key, and stop working at once when revoked', async () => {
      const owner = await createAccount('otto', ['operator']);
      const created = await call('POST', '/api-keys', owner.accessToken, { name: 'ci' });
      expect(created.statusCode).toBe(201);
      const { key, id } = created.json();
      secrets.push(key);
      expect(key).toMatch(/^flk_/);
      const listed = await call('GET', '/api-keys', owner.accessToken);
      expect(listed.json()).toEqual([expect.objectContaining({ id, name: 'ci', prefix: key.slice(0, 10) })]);
      expect(listed.body).not.toContain(key);

      const viaBearer = await call('GET', '/auth/me', key);
      expect(viaBearer.json()).toMatchObject({ username: 'otto' });
      const viaHeader = await users.app.inject({
        method: 'GET',
        url: '/auth/me',
        headers: { 'x-api-key': key },
      });
      expect(viaHeader.statusCode).toBe(200);
      const exchanged = await users.app.inject({
        method: 'POST',
        url: '/internal/api-key-token',
        headers: { 'x-api-key': key },
      });
      expect(exchanged.statusCode).toBe(200);
      secrets.push(exchanged.json().accessToken);
      expect(exchanged.json()).toMatchObject({
        expiresIn: 60,
        user: { username: 'otto', roles: ['operator'] },
      });

      // Someone else cannot revoke it.
      const viewer = await createAccount('vic', ['viewer']);
      expect((await call('DELETE', `/api-keys/${id}`, viewer.accessToken)).statusCode).toBe(404);

      expect((await call('DELETE', `/api-keys/${id}`, owner.accessToken)).statusCode).toBe(204);
      expect((await call('GET', '/auth/me', key)).statusCode).toBe(401);
      const refused = await users.app.inject({
        method: 'POST',
        url: '/internal/api-key-token',
        headers: { 'x-api-key': key },
      });
      expect(refused.statusCode).toBe(401);
      expect((await call('GET', '/api-keys', owner.accessToken)).json()).toEqual([]);
    });
  });

  describe('access control', () => {
    it('refuses every non-public route anonymously with a 401 problem', async () => {
      const document = (await call('GET', '/openapi.json')).json();
      const PUBLIC = new Set([
        'POST /auth/login',
        'POST /auth/refresh',
        'POST /auth/logout',
        'GET /.well-known/jwks.json',
      ]);
      let checked = 0;
      for (const [path, operations] of Object.entries<Record<string, unknown>>(document.paths)) {
        for (const method of Object.keys(operations)) {
          const verb = method.toUpperCase();
          if (PUBLIC.has(`${verb} ${path}`)) continue;
          const url = path.replace(/\{[^}]+\}/g, '1');
          const response = await users.app.inject({ method: verb as 'GET', url, payload: {} });
          expect(response.statusCode, `${verb} ${path}`).toBe(401);
          expect(response.headers['content-type']).toContain('application/problem+json');
          checked += 1;
        }
      }
      expect(checked).toBeGreaterThanOrEqual(10);
    });

    it('role matrix: viewer reads, operator cannot manage users, admin can', async () => {
      const viewer = await createAccount('vera', ['viewer']);
      const operator = await createAccount('olga', ['operator']);
      const newUser = { username: 'made-by-test', password: 'another password' };
      secrets.push(newUser.password);
      expect((await call('GET', '/auth/me', viewer.accessToken)).statusCode).toBe(200);
      expect((await call('GET', '/users', viewer.accessToken)).statusCode).toBe(403);
      expect((await call('POST', '/users', viewer.accessToken, newUser)).statusCode).toBe(403);
      expect((await call('GET', '/users', operator.accessToken)).statusCode).toBe(403);
      expect((await call('POST', '/users', operator.accessToken, newUser)).statusCode).toBe(403);
      expect(
        (await call('POST', '/create_user?userid=500&username=x', operator.accessToken)).statusCode,
      ).toBe(403);
      // get_user names any account by id, so it is the admin's like /users/:id.
      expect((await call('GET', '/get_user?userid=1', viewer.accessToken)).statusCode).toBe(403);
      expect((await call('GET', '/get_user?userid=1', operator.accessToken)).statusCode).toBe(403);
      expect((await call('GET', '/users', admin)).statusCode).toBe(200);
      expect((await call('GET', '/get_user?userid=1', admin)).json()).toEqual({ userid: 1, username: 'admin' });
      expect((await call('POST', '/users', admin, newUser)).statusCode).toBe(201);
      const forbidden = await call('GET', '/users', viewer.accessToken);
      expect(forbidden.json()).toMatchObject({ status: 403, detail: 'this needs the admin role' });
    });
  });

  describe('user management', () => {
    it('creates, lists, gets, changes roles and resets passwords', async () => {
      const created = await call('POST', '/users', admin, {
        username: 'Max',
        displayName: 'Max Mustermann',
        roles: ['operator', 'viewer'],
        password: 'first password',
      });
      secrets.push('first password', 'second password');
      expect(created.json()).toMatchObject({
        username: 'Max',
        displayName: 'Max Mustermann',
        roles: ['viewer', 'operator'],
      });
      const id = created.json().id;
      expect(
        (await call('POST', '/users', admin, { username: 'max', password: 'whatever1' })).statusCode,
      ).toBe(409);
      expect((await call('GET', `/users/${id}`, admin)).json()).toMatchObject({ username: 'Max' });
      expect((await call('GET', '/users/987654', admin)).statusCode).toBe(404);
      const list = (await call('GET', '/users?limit=500', admin)).json();
      expect(list.map((u: { username: string }) => u.username)).toContain('Max');

      const promoted = await call('PATCH', `/users/${id}`, admin, { roles: ['admin'] });
      expect(promoted.json().roles).toEqual(['admin']);
      const session = await login(users.app, 'max', 'first password');
      secrets.push(session.accessToken, session.refreshToken);
      expect(
        (await call('PUT', `/users/${id}/password`, admin, { password: 'second password' })).statusCode,
      ).toBe(204);
      const old = await users.app.inject({
        method: 'POST',
        url: '/auth/refresh',
        cookies: { flotilla_refresh: session.refreshToken },
      });
      expect(old.statusCode).toBe(401);
      const again = await login(users.app, 'max', 'second password');
      secrets.push(again.accessToken, again.refreshToken);
      expect((await call('PATCH', `/users/${id}`, admin, { roles: [] })).statusCode).toBe(400);
      // A body naming nothing it could change (found by the fuzzer: it was a SQL syntax error).
      const nothing = await call('PATCH', `/users/${id}`, admin, { '': '' });
      expect(nothing.statusCode).toBe(400);
      expect(nothing.json()).toMatchObject({ errors: [{ field: 'body' }] });
    });

    it('will not disable or demote the last enabled admin', async () => {
      const me = (await call('GET', '/auth/me', admin)).json();
      const list = (await call('GET', '/users?limit=500', admin)).json() as Array<{
        id: number;
        roles: string[];
      }>;
      // Demote every other admin first, so "admin" is the last one.
      for (const other of list.filter((u) => u.roles.includes('admin') && u.id !== me.id)) {
        await call('PATCH', `/users/${other.id}`, admin, { roles: ['viewer'] });
      }
      const response = await call('PATCH', `/users/${me.id}`, admin, { disabled: true });
      expect(response.statusCode).toBe(409);
      expect((await call('PATCH', `/users/${me.id}`, admin, { roles: ['viewer'] })).statusCode).toBe(409);
      expect((await call('GET', '/auth/me', admin)).json()).toMatchObject({
        roles: ['admin'],
        disabled: false,
      });
    });
  });

  describe("note 003's API", () => {
    it('creates a user with a chosen id, 409 on a taken id, 404 for an absent one', async () => {
      const created = await call('POST', '/create_user?userid=4242&username=John', admin);
      expect(created.statusCode).toBe(201);
      expect(created.json()).toEqual({ userid: 4242, username: 'John' });
      expect((await call('POST', '/create_user?userid=4242&username=Jane', admin)).statusCode).toBe(409);
      expect((await call('GET', '/get_user?userid=4242', admin)).json()).toEqual({
        userid: 4242,
        username: 'John',
      });
      expect((await call('GET', '/get_user?userid=4243', admin)).statusCode).toBe(404);
      expect((await call('GET', '/get_user?userid=abc', admin)).statusCode).toBe(400);
      // Generated ids continue past the chosen one instead of colliding with it later.
      const next = await call('POST', '/users', admin, {
        username: 'after-john',
        password: 'password after',
      });
      secrets.push('password after');
      expect(next.json().id).toBeGreaterThan(4242);
    });

    it('refuses chosen ids outside 1 … 2147483647, and accounts made after the largest still work', async () => {
      for (const userid of ['9007199254740991', '2147483648', '0', '99999999999999999999']) {
        const refused = await call('POST', `/create_user?userid=${userid}&username=far${userid}`, admin);
        expect(refused.statusCode, userid).toBe(400);
        expect(refused.headers['content-type']).toContain('application/problem+json');
        expect(refused.json().detail).toContain('querystring.userid');
      }
      const largest = await call('POST', '/create_user?userid=2147483647&username=largest', admin);
      expect(largest.json()).toEqual({ userid: 2147483647, username: 'largest' });
      // Generated ids now continue above it; each must still sign in as itself.
      const later = [];
      for (const username of ['later-one', 'later-two']) {
        const account = await createAccount(username, ['viewer']);
        const me = await call('GET', '/auth/me', account.accessToken);
        expect(me.statusCode, me.body).toBe(200);
        expect(me.json()).toMatchObject({ id: account.id, username });
        later.push(account.id);
      }
      expect(later[0]).toBeGreaterThan(2147483647);
      expect(later[1]).toBeGreaterThan(later[0] ?? 0);
    });

    it('needs authentication like every other route', async () => {
      expect((await call('GET', '/get_user?userid=1')).statusCode).toBe(401);
      expect((await call('POST', '/create_user?userid=77&username=Anon')).statusCode).toBe(401);
    });
  });

  describe('odd input', () => {
    it('refuses out-of-range numbers in every query and path with 400 naming the field', async () => {
      const huge = '99999999999999999999';
      const cases: Array<['GET' | 'PATCH' | 'PUT' | 'DELETE', string, string, object?]> = [
        ['GET', `/users?offset=${huge}`, 'querystring.offset'],
        ['GET', `/users?limit=${huge}`, 'querystring.limit'],
        ['GET', `/users/${huge}`, 'params.id'],
        ['PATCH', `/users/${huge}`, 'params.id', { disabled: true }],
        ['PUT', `/users/${huge}/password`, 'params.id', { password: 'long enough password' }],
        ['GET', `/get_user?userid=${huge}`, 'querystring.userid'],
        ['DELETE', `/api-keys/${huge}`, 'params.id'],
      ];
      for (const [method, url, field, payload] of cases) {
        const response = await call(method, url, admin, payload);
        expect(response.statusCode, `${method} ${url}`).toBe(400);
        expect(response.headers['content-type']).toContain('application/problem+json');
        expect(response.json().detail).toContain(field);
      }
      // The largest offset allowed is merely past the end.
      const last = await call('GET', '/users?offset=9007199254740991', admin);
      expect(last.statusCode).toBe(200);
      expect(last.json()).toEqual([]);
    });

    it('refuses NUL characters in a login username, an API-key name and a display name', async () => {
      const signIn = await users.app.inject({
        method: 'POST',
        url: '/auth/login',
        headers: someClient(),
        payload: { username: 'ad\u0000min', password: ADMIN_PASSWORD },
      });
      const key = await call('POST', '/api-keys', admin, { name: 'c\u0000i' });
      const created = await call('POST', '/users', admin, {
        username: 'nul-display',
        displayName: 'Nul\u0000Byte',
        password: 'nul display password',
      });
      const me = (await call('GET', '/auth/me', admin)).json();
      const renamed = await call('PATCH', `/users/${me.id}`, admin, { displayName: 'Ad\u0000min' });
      for (const [response, field] of [
        [signIn, 'body.username'],
        [key, 'body.name'],
        [created, 'body.displayName'],
        [renamed, 'body.displayName'],
      ] as const) {
        expect(response.statusCode, field).toBe(400);
        expect(response.headers['content-type']).toContain('application/problem+json');
        expect(response.json().detail).toContain(field);
      }
      // Nothing changed.
      expect((await call('GET', '/auth/me', admin)).json().displayName).toBe(me.displayName);
      expect((await call('GET', '/api-keys', admin)).json()).toEqual([]);
      const list = (await call('GET', '/users?limit=500', admin)).json() as Array<{ username: string }>;
      expect(list.map((u) => u.username)).not.toContain('nul-display');
    });
  });

  it('never writes a password, token or key to the log', () => {
    const text = users.logs.text();
    expect(users.logs.lines.length).toBeGreaterThan(20);
    expect(text).toContain('request completed');
    for (const secret of secrets.filter(Boolean))
      expect(text.includes(secret), `a secret leaked into the log`).toBe(false);
  });
});
