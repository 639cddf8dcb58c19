import { generateKeyPairSync } from 'node:crypto';
import { ACCESS_TOKEN } from '@flotilla/kit';
import { testDatabaseKinds } from '@flotilla/kit/testing';
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

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** What clients read: every field of each shape, and nothing else (never a hash). */
const USER_FIELDS = ['createdAt', 'disabled', 'displayName', 'id', 'roles', 'username'];
const API_KEY_FIELDS = ['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'name', 'prefix', 'role'];
const fieldsOf = (value: object) => Object.keys(value).sort();

describe.each(testDatabaseKinds())('users service on %s', (kind) => {
  let users: TestUsers;
  /** Every secret the suite handles; none may appear in the log. */
  const secrets: string[] = [ADMIN_PASSWORD, GATEWAY_SECRET];

  /** A request as the harness's admin (the first admin, id 1). */
  const asAdmin = (method: Method, url: string, body?: object) =>
    users.request(method, url, { as: 'admin', ...(body ? { body } : {}) });
  /** A request with a token (or API key) of a real account, or none at all. */
  const withToken = (method: Method, url: string, token: string | undefined, body?: object) =>
    users.request(method, url, {
      ...(token ? { headers: bearer(token) } : { as: 'anonymous' }),
      ...(body ? { body } : {}),
    });

  async function createAccount(username: string, roles: string[], password = `${username}-password-1`) {
    const response = await asAdmin('POST', '/users', { username, roles, password });
    expect(response.status, response.text).toBe(201);
    secrets.push(password);
    const session = await login(users.app, username, password);
    secrets.push(session.accessToken, session.refreshToken);
    return { id: response.body.id as number, password, ...session };
  }

  beforeAll(async () => {
    users = await startUsers(kind, {
      LOGIN_MAX_ATTEMPTS_PER_USERNAME_AND_IP: '3',
      LOGIN_MAX_ATTEMPTS_PER_IP: '5',
      LOGIN_WINDOW_SECONDS: '600',
    });
    secrets.push(...Object.values<string>(users.tokens));
  });

  afterAll(async () => {
    await users?.close();
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
      expect(fieldsOf(body)).toEqual(['accessToken', 'expiresIn', 'user']);
      expect(body).toMatchObject({
        expiresIn: 600,
        user: { id: 1, username: 'admin', displayName: 'Administrator', roles: ['admin'], disabled: false },
      });
      expect(fieldsOf(body.user)).toEqual(USER_FIELDS);
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
      const wrong = await withToken('POST', '/auth/login', undefined, {
        username: 'admin',
        password: 'not the password',
      });
      const unknown = await withToken('POST', '/auth/login', undefined, {
        username: 'nobody',
        password: 'whatever123',
      });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body.detail).toBe(unknown.body.detail);
      expect(wrong.headers['content-type']).toContain('application/problem+json');
    });

    it('names the missing field, and an unknown one, in a 400', async () => {
      const missing = await withToken('POST', '/auth/login', undefined, { username: 'admin' });
      expect(missing.status).toBe(400);
      expect(missing.body.errors).toEqual([{ field: 'body.password', message: expect.any(String) }]);
      const typo = await withToken('POST', '/auth/login', undefined, {
        username: 'admin',
        password: ADMIN_PASSWORD,
        remember: true,
      });
      expect(typo.status).toBe(400);
      expect(typo.body.errors).toEqual([{ field: 'body.remember', message: 'is not a known field' }]);
    });

    it('refuses a disabled account, even with the right password, and ends its sessions', async () => {
      const account = await createAccount('dora', ['viewer']);
      const disable = await asAdmin('PATCH', `/users/${account.id}`, { disabled: true });
      expect(disable.body).toMatchObject({ disabled: true });
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
      const response = await asAdmin('GET', '/auth/me');
      expect(response.body).toMatchObject({ id: 1, username: 'admin', roles: ['admin'] });
      expect(fieldsOf(response.body)).toEqual(USER_FIELDS);
    });

    it('publishes the public key, and only the public key', async () => {
      const response = await withToken('GET', '/.well-known/jwks.json', undefined);
      expect(response.headers['cache-control']).toBe('public, max-age=300');
      const jwks = response.body;
      expect(jwks.keys).toHaveLength(1);
      expect(jwks.keys[0]).toEqual({
        kty: 'OKP',
        crv: 'Ed25519',
        x: expect.any(String),
        kid: expect.any(String),
        alg: 'EdDSA',
        use: 'sig',
      });
    });

    it('refuses tampered, expired, wrong-key and foreign tokens with 401', async () => {
      const session = await login(users.app, 'admin', ADMIN_PASSWORD);
      secrets.push(session.accessToken, session.refreshToken);
      const [header, payload, signature] = session.accessToken.split('.');
      const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
      const promoted = Buffer.from(JSON.stringify({ ...claims, sub: '999' })).toString('base64url');
      const tampered = `${header}.${promoted}.${signature}`;
      const { kid } = (await withToken('GET', '/.well-known/jwks.json', undefined)).body.keys[0];
      const sign = (
        key: Parameters<SignJWT['sign']>[0],
        options: { exp?: number; aud?: string; kid?: string } = {},
      ) =>
        new SignJWT({ username: 'admin', roles: ['admin'] })
          .setProtectedHeader({ alg: 'EdDSA', typ: ACCESS_TOKEN.type, ...(options.kid ? { kid: options.kid } : {}) })
          .setIssuer(ACCESS_TOKEN.issuer)
          .setAudience(options.aud ?? ACCESS_TOKEN.audience)
          .setSubject('1')
          .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
          .setExpirationTime(options.exp ?? Math.floor(Date.now() / 1000) + 600)
          .sign(key);
      const expired = await sign(users.signingKey, { kid, exp: Math.floor(Date.now() / 1000) - 60 });
      const otherKey = generateKeyPairSync('ed25519').privateKey;
      const wrongKey = await sign(otherKey);
      const wrongKeyOurKid = await sign(otherKey, { kid });
      const otherAudience = await sign(users.signingKey, { kid, aud: 'someone-else' });
      const valid = await sign(users.signingKey, { kid });
      expect((await withToken('GET', '/auth/me', valid)).status).toBe(200);
      for (const token of [tampered, expired, wrongKey, wrongKeyOurKid, otherAudience, 'not-a-jwt']) {
        const response = await withToken('GET', '/auth/me', token);
        expect(response.status, token).toBe(401);
        expect(response.headers['www-authenticate']).toContain('Bearer');
      }
      expect((await withToken('GET', '/auth/me', expired)).body.detail).toContain('expired');
    });

    it('rotates the refresh token, and reuse of an old one revokes the whole family', async () => {
      const session = await login(users.app, 'admin', ADMIN_PASSWORD);
      secrets.push(session.accessToken, session.refreshToken);
      const refresh = (token: string) =>
        users.app.inject({ method: 'POST', url: '/auth/refresh', cookies: { flotilla_refresh: token } });
      const first = await refresh(session.refreshToken);
      expect(first.statusCode).toBe(200);
      expect(fieldsOf(first.json())).toEqual(['accessToken', 'expiresIn', 'user']);
      const second = cookieValue(cookiesOf(first).flotilla_refresh);
      secrets.push(second, first.json().accessToken);
      expect(second).not.toBe(session.refreshToken);
      expect((await withToken('GET', '/auth/me', first.json().accessToken)).status).toBe(200);

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
      expect(out.body).toBe('');
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
      const created = await withToken('POST', '/api-keys', owner.accessToken, { name: 'ci' });
      expect(created.status).toBe(201);
      expect(fieldsOf(created.body)).toEqual([...API_KEY_FIELDS, 'key'].sort());
      const { key, id } = created.body;
      secrets.push(key);
      expect(key).toMatch(/^flk_/);
      const listed = await withToken('GET', '/api-keys', owner.accessToken);
      expect(listed.body).toEqual({
        items: [
          {
            id,
            name: 'ci',
            prefix: key.slice(0, 10),
            createdAt: expect.any(String),
            lastUsedAt: null,
            expiresAt: null,
            role: null,
          },
        ],
        nextCursor: null,
      });
      expect(listed.text).not.toContain(key);

      const viaBearer = await withToken('GET', '/auth/me', key);
      expect(viaBearer.body).toMatchObject({ username: 'otto' });
      const viaHeader = await users.request('GET', '/auth/me', { as: 'anonymous', headers: { 'x-api-key': key } });
      expect(viaHeader.status).toBe(200);
      const exchanged = await users.request('POST', '/internal/api-key-token', {
        as: 'anonymous',
        headers: { 'x-api-key': key },
      });
      expect(exchanged.status).toBe(200);
      secrets.push(exchanged.body.accessToken);
      expect(exchanged.body).toMatchObject({
        expiresIn: 60,
        user: { username: 'otto', roles: ['operator'] },
      });
      expect((await withToken('GET', '/api-keys', owner.accessToken)).body.items[0].lastUsedAt).toEqual(
        expect.any(String),
      );

      // Someone else cannot revoke it.
      const viewer = await createAccount('vic', ['viewer']);
      expect((await withToken('DELETE', `/api-keys/${id}`, viewer.accessToken)).status).toBe(404);

      const revoked = await withToken('DELETE', `/api-keys/${id}`, owner.accessToken);
      expect(revoked.status).toBe(204);
      expect(revoked.text).toBe('');
      expect((await withToken('GET', '/auth/me', key)).status).toBe(401);
      const refused = await users.request('POST', '/internal/api-key-token', {
        as: 'anonymous',
        headers: { 'x-api-key': key },
      });
      expect(refused.status).toBe(401);
      expect((await withToken('GET', '/api-keys', owner.accessToken)).body).toEqual({ items: [], nextCursor: null });
    });

    it('list a page at a time', async () => {
      const owner = await createAccount('pia', ['viewer']);
      const ids: number[] = [];
      for (const name of ['one', 'two', 'three']) {
        const created = await withToken('POST', '/api-keys', owner.accessToken, { name });
        secrets.push(created.body.key);
        ids.push(created.body.id);
      }
      const first = await withToken('GET', '/api-keys?limit=2', owner.accessToken);
      expect(first.body.items.map((k: { id: number }) => k.id)).toEqual(ids.slice(0, 2));
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await withToken('GET', `/api-keys?limit=2&cursor=${first.body.nextCursor}`, owner.accessToken);
      expect(second.body).toEqual({ items: [expect.objectContaining({ id: ids[2], name: 'three' })], nextCursor: null });
      // The admin's own list holds none of them.
      expect((await asAdmin('GET', '/api-keys')).body.items).toEqual([]);
    });
  });

  describe('access control', () => {
    it('refuses every non-public route anonymously with a 401 problem', async () => {
      const document = (await withToken('GET', '/openapi.json', undefined)).body;
      const publicOperations: string[] = [];
      let checked = 0;
      for (const [path, operations] of Object.entries<Record<string, Record<string, unknown>>>(document.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          const verb = method.toUpperCase() as Method;
          if (operation['x-flotilla-access'] === 'public') {
            publicOperations.push(`${verb} ${path}`);
            continue;
          }
          const url = path.replace(/\{[^}]+\}/g, '1');
          const response = await users.app.inject({ method: verb, url, payload: {} });
          expect(response.statusCode, `${verb} ${path}`).toBe(401);
          expect(response.headers['content-type']).toContain('application/problem+json');
          checked += 1;
        }
      }
      expect(publicOperations.sort()).toEqual([
        'GET /.well-known/jwks.json',
        'POST /auth/login',
        'POST /auth/logout',
        'POST /auth/refresh',
      ]);
      expect(checked).toBeGreaterThanOrEqual(10);
    });

    it('role matrix: viewer reads, operator cannot manage users, admin can', async () => {
      const vera = await createAccount('vera', ['viewer']);
      const newUser = { username: 'made-by-test', password: 'another password' };
      secrets.push(newUser.password);
      expect((await withToken('GET', '/auth/me', vera.accessToken)).status).toBe(200);
      expect((await withToken('GET', '/users', vera.accessToken)).status).toBe(403);
      for (const as of ['viewer', 'operator'] as const) {
        expect((await users.request('GET', '/users', { as })).status, as).toBe(403);
        expect((await users.request('POST', '/users', { as, body: newUser })).status, as).toBe(403);
        expect((await users.request('POST', '/create_user?userid=500&username=x', { as })).status, as).toBe(403);
        // get_user names any account by id, so it is the admin's like /users/:id.
        expect((await users.request('GET', '/get_user?userid=1', { as })).status, as).toBe(403);
      }
      expect((await asAdmin('GET', '/users')).status).toBe(200);
      expect((await asAdmin('GET', '/get_user?userid=1')).body).toEqual({ userid: 1, username: 'admin' });
      expect((await asAdmin('POST', '/users', newUser)).status).toBe(201);
      const forbidden = await users.request('GET', '/users', { as: 'viewer' });
      expect(forbidden.body).toMatchObject({ status: 403, detail: 'this needs the admin role' });
    });
  });

  describe('user management', () => {
    it('creates, lists, gets, changes roles and resets passwords', async () => {
      const created = await asAdmin('POST', '/users', {
        username: 'Max',
        displayName: 'Max Mustermann',
        roles: ['operator', 'viewer'],
        password: 'first password',
      });
      secrets.push('first password', 'second password');
      expect(created.body).toMatchObject({
        username: 'Max',
        displayName: 'Max Mustermann',
        roles: ['viewer', 'operator'],
      });
      expect(fieldsOf(created.body)).toEqual(USER_FIELDS);
      const id = created.body.id;
      const taken = await asAdmin('POST', '/users', { username: 'max', password: 'whatever1' });
      expect(taken.status).toBe(409);
      expect(taken.body.errors).toEqual([{ field: 'body.username', message: 'is taken' }]);
      expect((await asAdmin('GET', `/users/${id}`)).body).toMatchObject({ username: 'Max' });
      expect((await asAdmin('GET', '/users/987654')).status).toBe(404);
      const list = (await asAdmin('GET', '/users?limit=500')).body;
      expect(list.items.map((u: { username: string }) => u.username)).toContain('Max');
      expect(fieldsOf(list.items[0])).toEqual(USER_FIELDS);

      const promoted = await asAdmin('PATCH', `/users/${id}`, { roles: ['admin'] });
      expect(promoted.body.roles).toEqual(['admin']);
      const session = await login(users.app, 'max', 'first password');
      secrets.push(session.accessToken, session.refreshToken);
      const reset = await asAdmin('PUT', `/users/${id}/password`, { password: 'second password' });
      expect(reset.status).toBe(204);
      expect(reset.text).toBe('');
      const old = await users.app.inject({
        method: 'POST',
        url: '/auth/refresh',
        cookies: { flotilla_refresh: session.refreshToken },
      });
      expect(old.statusCode).toBe(401);
      const again = await login(users.app, 'max', 'second password');
      secrets.push(again.accessToken, again.refreshToken);
      expect((await asAdmin('PATCH', `/users/${id}`, { roles: [] })).status).toBe(400);
      // A body naming nothing it could change (found by the fuzzer: it was a SQL syntax error).
      const unknown = await asAdmin('PATCH', `/users/${id}`, { '': '' });
      expect(unknown.status).toBe(400);
      expect(unknown.body.errors).toEqual([{ field: expect.stringMatching(/^body/), message: 'is not a known field' }]);
      const nothing = await asAdmin('PATCH', `/users/${id}`, {});
      expect(nothing.status).toBe(400);
      expect(nothing.body.errors).toEqual([{ field: 'body', message: expect.any(String) }]);
    });

    it('lists accounts a page at a time, in id order, by an opaque cursor', async () => {
      for (const userid of [7001, 7002, 7003]) {
        expect((await asAdmin('POST', `/create_user?userid=${userid}&username=page${userid}`)).status).toBe(201);
      }
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor === null ? '' : `&cursor=${cursor}`;
        const page = await asAdmin('GET', `/users?limit=2${query}`);
        expect(page.status, page.text).toBe(200);
        expect(fieldsOf(page.body)).toEqual(['items', 'nextCursor']);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items.map((u: { id: number }) => u.id));
        cursor = page.body.nextCursor;
        pages += 1;
        // An account created between pages shows up on a later page, once.
        if (pages === 1) await asAdmin('POST', '/create_user?userid=7999&username=between-pages');
      } while (cursor !== null && pages < 100);
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expect.arrayContaining([1, 7001, 7002, 7003, 7999]));
      for (const bad of ['nonsense', Buffer.from('{"id":0}').toString('base64url'), Buffer.from('{"id":"1"}').toString('base64url')]) {
        const refused = await asAdmin('GET', `/users?cursor=${bad}`);
        expect(refused.status, bad).toBe(400);
        expect(refused.body.errors).toEqual([{ field: 'query.cursor', message: expect.any(String) }]);
      }
      // The old offset paging is gone, and says so.
      const offset = await asAdmin('GET', '/users?offset=2');
      expect(offset.status).toBe(400);
      expect(offset.body.errors).toEqual([{ field: 'query.offset', message: 'is not a known field' }]);
    });

    it('will not disable or demote the last enabled admin', async () => {
      const me = (await asAdmin('GET', '/auth/me')).body;
      const list = (await asAdmin('GET', '/users?limit=500')).body.items as Array<{ id: number; roles: string[] }>;
      // Demote every other admin first, so "admin" is the last one.
      for (const other of list.filter((u) => u.roles.includes('admin') && u.id !== me.id)) {
        await asAdmin('PATCH', `/users/${other.id}`, { roles: ['viewer'] });
      }
      const response = await asAdmin('PATCH', `/users/${me.id}`, { disabled: true });
      expect(response.status).toBe(409);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect((await asAdmin('PATCH', `/users/${me.id}`, { roles: ['viewer'] })).status).toBe(409);
      expect((await asAdmin('GET', '/auth/me')).body).toMatchObject({ roles: ['admin'], disabled: false });
    });
  });

  describe("note 003's API", () => {
    it('creates a user with a chosen id, 409 on a taken id, 404 for an absent one', async () => {
      const created = await asAdmin('POST', '/create_user?userid=4242&username=John');
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ userid: 4242, username: 'John' });
      const idTaken = await asAdmin('POST', '/create_user?userid=4242&username=Jane');
      expect(idTaken.status).toBe(409);
      expect(idTaken.body.errors).toEqual([{ field: 'query.userid', message: 'is taken' }]);
      const nameTaken = await asAdmin('POST', '/create_user?userid=4243&username=JOHN');
      expect(nameTaken.status).toBe(409);
      expect(nameTaken.body.errors).toEqual([{ field: 'query.username', message: 'is taken' }]);
      expect((await asAdmin('GET', '/get_user?userid=4242')).body).toEqual({ userid: 4242, username: 'John' });
      expect((await asAdmin('GET', '/get_user?userid=4243')).status).toBe(404);
      expect((await asAdmin('GET', '/get_user?userid=abc')).status).toBe(400);
      // Generated ids continue past the chosen one instead of colliding with it later.
      const next = await asAdmin('POST', '/users', { username: 'after-john', password: 'password after' });
      secrets.push('password after');
      expect(next.body.id).toBeGreaterThan(4242);
    });

    it('refuses chosen ids outside 1 … 2147483647, and accounts made after the largest still work', async () => {
      for (const userid of ['9007199254740991', '2147483648', '0', '99999999999999999999']) {
        const refused = await asAdmin('POST', `/create_user?userid=${userid}&username=far${userid}`);
        expect(refused.status, userid).toBe(400);
        expect(refused.headers['content-type']).toContain('application/problem+json');
        expect(refused.body.errors).toEqual([{ field: 'query.userid', message: expect.any(String) }]);
      }
      const largest = await asAdmin('POST', '/create_user?userid=2147483647&username=largest');
      expect(largest.body).toEqual({ userid: 2147483647, username: 'largest' });
      // Generated ids now continue above it; each must still sign in as itself.
      const later = [];
      for (const username of ['later-one', 'later-two']) {
        const account = await createAccount(username, ['viewer']);
        const me = await withToken('GET', '/auth/me', account.accessToken);
        expect(me.status, me.text).toBe(200);
        expect(me.body).toMatchObject({ id: account.id, username });
        later.push(account.id);
      }
      expect(later[0]).toBeGreaterThan(2147483647);
      expect(later[1]).toBeGreaterThan(later[0] ?? 0);
    });

    it('needs authentication like every other route', async () => {
      expect((await withToken('GET', '/get_user?userid=1', undefined)).status).toBe(401);
      expect((await withToken('POST', '/create_user?userid=77&username=Anon', undefined)).status).toBe(401);
    });
  });

  describe('odd input', () => {
    it('refuses out-of-range numbers in every query and path with 400 naming the field', async () => {
      const huge = '99999999999999999999';
      const cases: Array<[Method, string, string, object?]> = [
        ['GET', `/users?limit=${huge}`, 'query.limit'],
        ['GET', '/users?limit=0', 'query.limit'],
        ['GET', `/api-keys?limit=${huge}`, 'query.limit'],
        ['GET', `/users/${huge}`, 'path.id'],
        ['PATCH', `/users/${huge}`, 'path.id', { disabled: true }],
        ['PUT', `/users/${huge}/password`, 'path.id', { password: 'long enough password' }],
        ['GET', `/get_user?userid=${huge}`, 'query.userid'],
        ['DELETE', `/api-keys/${huge}`, 'path.id'],
      ];
      for (const [method, url, field, body] of cases) {
        const response = await asAdmin(method, url, body);
        expect(response.status, `${method} ${url}`).toBe(400);
        expect(response.headers['content-type']).toContain('application/problem+json');
        expect(response.body.errors, `${method} ${url}`).toEqual([{ field, message: expect.any(String) }]);
      }
    });

    it('refuses NUL characters in a login username, an API-key name and a display name', async () => {
      const signIn = await users.app.inject({
        method: 'POST',
        url: '/auth/login',
        headers: someClient(),
        payload: { username: 'ad\u0000min', password: ADMIN_PASSWORD },
      });
      const key = await asAdmin('POST', '/api-keys', { name: 'c\u0000i' });
      const created = await asAdmin('POST', '/users', {
        username: 'nul-display',
        displayName: 'Nul\u0000Byte',
        password: 'nul display password',
      });
      const me = (await asAdmin('GET', '/auth/me')).body;
      const renamed = await asAdmin('PATCH', `/users/${me.id}`, { displayName: 'Ad\u0000min' });
      for (const [response, field] of [
        [{ status: signIn.statusCode, headers: signIn.headers, body: signIn.json() }, 'body.username'],
        [key, 'body.name'],
        [created, 'body.displayName'],
        [renamed, 'body.displayName'],
      ] as const) {
        expect(response.status, field).toBe(400);
        expect(response.headers['content-type']).toContain('application/problem+json');
        expect(response.body.detail).toContain(field);
      }
      // Nothing changed.
      expect((await asAdmin('GET', '/auth/me')).body.displayName).toBe(me.displayName);
      expect((await asAdmin('GET', '/api-keys')).body.items).toEqual([]);
      const list = (await asAdmin('GET', '/users?limit=500')).body.items as Array<{ username: string }>;
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
