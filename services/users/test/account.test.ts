import { testDatabaseKinds } from '@flotilla/kit/testing';
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  bearer,
  cookiesOf,
  cookieValue,
  login,
  someClient,
  startUsers,
  type TestUsers,
  viaGateway,
} from './helpers.js';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * Issue 17's account self-service: a user's own password (the current one required), own API
 * keys (expiry, a role no higher than their own) and own sessions (listed, ended elsewhere or
 * everywhere).
 */
describe.each(testDatabaseKinds())('account self-service on %s', (kind) => {
  let users: TestUsers;

  /** A request with an account's token (or API key), and its refresh cookie when given. */
  async function call(
    method: Method,
    url: string,
    auth: { token: string; refresh?: string; headers?: Record<string, string> },
    body?: object,
  ) {
    const response = await users.app.inject({
      method,
      url,
      headers: { ...bearer(auth.token), ...(auth.headers ?? someClient()) },
      ...(auth.refresh ? { cookies: { flotilla_refresh: auth.refresh } } : {}),
      ...(body ? { payload: body } : {}),
    });
    return { status: response.statusCode, body: response.body ? response.json() : undefined, response };
  }

  const refresh = (token: string) =>
    users.app.inject({ method: 'POST', url: '/auth/refresh', cookies: { flotilla_refresh: token } });

  /** Whether a username and password log in (from an address of its own, so no limit is met). */
  async function logsIn(username: string, password: string): Promise<boolean> {
    const response = await users.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: someClient(),
      payload: { username, password },
    });
    return response.statusCode === 200;
  }

  async function createAccount(username: string, roles: string[], password = `${username}-password-1`) {
    const response = await users.request('POST', '/users', { as: 'admin', body: { username, roles, password } });
    expect(response.status, response.text).toBe(201);
    return { id: response.body.id as number, password, ...(await login(users.app, username, password)) };
  }

  const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

  beforeAll(async () => {
    users = await startUsers(kind, { LOGIN_MAX_ATTEMPTS_PER_USERNAME_AND_IP: '3' });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  afterAll(async () => {
    await users?.close();
  });

  describe('API keys', () => {
    it('expire: listed with their expiry, refused once it has passed, with a 401 saying so', async () => {
      const owner = await createAccount('exa', ['operator']);
      const expiresAt = inAnHour();
      const created = await call('POST', '/api-keys', { token: owner.accessToken }, { name: 'ci', expiresAt });
      expect(created.status).toBe(201);
      const key = created.body.key as string;
      expect(created.body).toMatchObject({ expiresAt, role: null });
      const listed = await call('GET', '/api-keys', { token: owner.accessToken });
      expect(listed.body.items).toEqual([expect.objectContaining({ id: created.body.id, expiresAt })]);

      const exchange = () =>
        users.request('POST', '/internal/api-key-token', { as: 'anonymous', headers: { 'x-api-key': key } });
      expect((await exchange()).status).toBe(200);

      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.parse(expiresAt) + 1_000);
      const refused = await exchange();
      expect(refused.status).toBe(401);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.body.detail).toContain(`expired at ${expiresAt}`);
      // This service's own check says the same.
      const direct = await users.request('GET', '/auth/me', { as: 'anonymous', headers: { 'x-api-key': key } });
      expect(direct.status).toBe(401);
      expect(direct.body.detail).toContain('expired');
      vi.useRealTimers();

      // Still listed, so its owner sees why a script stopped, and can revoke it.
      expect((await call('GET', '/api-keys', { token: owner.accessToken })).body.items).toHaveLength(1);
    });

    it('refuse an expiry that is past or not RFC 3339 with a 400 naming body.expiresAt, making no key', async () => {
      const owner = await createAccount('exb', ['viewer']);
      for (const expiresAt of [
        new Date(Date.now() - 1_000).toISOString(),
        'tomorrow',
        '2999-01-01',
        '2999-01-01T00:00:00',
        '',
      ]) {
        const refused = await call('POST', '/api-keys', { token: owner.accessToken }, { name: 'x', expiresAt });
        expect(refused.status, expiresAt).toBe(400);
        expect(refused.response.headers['content-type']).toContain('application/problem+json');
        expect(refused.body.errors, expiresAt).toEqual([{ field: 'body.expiresAt', message: expect.any(String) }]);
      }
      expect((await call('GET', '/api-keys', { token: owner.accessToken })).body.items).toEqual([]);
    });

    it('never get a role above their owner’s: 403 naming body.role, and no key made', async () => {
      const viewer = await createAccount('exc', ['viewer']);
      for (const role of ['operator', 'admin']) {
        const refused = await call('POST', '/api-keys', { token: viewer.accessToken }, { name: 'up', role });
        expect(refused.status, role).toBe(403);
        expect(refused.body.errors).toEqual([{ field: 'body.role', message: 'is above your own role' }]);
      }
      expect((await call('GET', '/api-keys', { token: viewer.accessToken })).body.items).toEqual([]);
      const own = await call('POST', '/api-keys', { token: viewer.accessToken }, { name: 'same', role: 'viewer' });
      expect(own.status).toBe(201);
      expect(own.body.role).toBe('viewer');
    });

    it('act with their role, never more than the owner has now', async () => {
      const ada = await createAccount('exd', ['admin']);
      const viewerKey = await call('POST', '/api-keys', { token: ada.accessToken }, { name: 'read', role: 'viewer' });
      const operatorKey = await call('POST', '/api-keys', { token: ada.accessToken }, { name: 'ops', role: 'operator' });
      const rolesOf = async (key: string) => {
        const exchanged = await users.request('POST', '/internal/api-key-token', {
          as: 'anonymous',
          headers: { 'x-api-key': key },
        });
        expect(exchanged.status).toBe(200);
        return decodeJwt(exchanged.body.accessToken).roles;
      };
      expect(await rolesOf(viewerKey.body.key)).toEqual(['viewer']);
      expect(await rolesOf(operatorKey.body.key)).toEqual(['operator']);
      // An admin's viewer key cannot do what only admins may.
      expect((await call('GET', '/users', { token: viewerKey.body.key })).status).toBe(403);

      // Demoted below the key's role: the key comes down with its owner.
      const demoted = await users.request('PATCH', `/users/${ada.id}`, { as: 'admin', body: { roles: ['viewer'] } });
      expect(demoted.status).toBe(200);
      expect(await rolesOf(operatorKey.body.key)).toEqual(['viewer']);
    });

    it('cannot be made with an API key', async () => {
      const owner = await createAccount('exe', ['operator']);
      const first = await call('POST', '/api-keys', { token: owner.accessToken }, { name: 'first', expiresAt: inAnHour() });
      const refused = await call('POST', '/api-keys', { token: first.body.key }, { name: 'forever' });
      expect(refused.status).toBe(403);
      expect((await call('GET', '/api-keys', { token: owner.accessToken })).body.items).toHaveLength(1);
    });
  });

  describe('own password', () => {
    it('changes with the current password; other sessions end, this one stays', async () => {
      const here = await createAccount('pwa', ['viewer']);
      const elsewhere = await login(users.app, 'pwa', here.password);
      const changed = await call(
        'PUT',
        '/auth/password',
        { token: here.accessToken, refresh: here.refreshToken },
        { currentPassword: here.password, password: 'a brand new password' },
      );
      expect(changed.status).toBe(204);
      expect(await logsIn('pwa', 'a brand new password')).toBe(true);
      expect(await logsIn('pwa', here.password)).toBe(false);
      expect((await refresh(elsewhere.refreshToken)).statusCode).toBe(401);
      expect((await refresh(here.refreshToken)).statusCode).toBe(200);
    });

    it('refuses a wrong current password with 403 naming body.currentPassword, changing nothing', async () => {
      const viewer = await createAccount('pwb', ['viewer']);
      const other = await login(users.app, 'pwb', viewer.password);
      const wrong = await call(
        'PUT',
        '/auth/password',
        { token: viewer.accessToken, refresh: viewer.refreshToken },
        { currentPassword: 'not my password', password: 'a brand new password' },
      );
      expect(wrong.status).toBe(403);
      expect(wrong.response.headers['content-type']).toContain('application/problem+json');
      expect(wrong.body.errors).toEqual([{ field: 'body.currentPassword', message: 'is not your current password' }]);
      expect(await logsIn('pwb', viewer.password)).toBe(true);
      expect(await logsIn('pwb', 'a brand new password')).toBe(false);
      expect((await refresh(other.refreshToken)).statusCode).toBe(200);

      const missing = await call('PUT', '/auth/password', { token: viewer.accessToken }, { password: 'a brand new password' });
      expect(missing.status).toBe(400);
      expect(missing.body.errors).toEqual([{ field: 'body.currentPassword', message: expect.any(String) }]);
      const short = await call(
        'PUT',
        '/auth/password',
        { token: viewer.accessToken },
        { currentPassword: viewer.password, password: 'short' },
      );
      expect(short.status).toBe(400);
      expect(short.body.errors).toEqual([{ field: 'body.password', message: expect.any(String) }]);
      expect(await logsIn('pwb', viewer.password)).toBe(true);
    });

    it('counts wrong current passwords like login attempts: 429 with Retry-After', async () => {
      const viewer = await createAccount('pwc', ['viewer']);
      const from = viaGateway('10.99.0.1');
      const guess = (currentPassword: string) =>
        call('PUT', '/auth/password', { token: viewer.accessToken, headers: from }, {
          currentPassword,
          password: 'a brand new password',
        });
      for (const attempt of ['guess 1', 'guess 2', 'guess 3']) expect((await guess(attempt)).status).toBe(403);
      const limited = await guess(viewer.password);
      expect(limited.status).toBe(429);
      expect(limited.response.headers['retry-after']).toMatch(/^\d+$/);
      expect(await logsIn('pwc', viewer.password)).toBe(true);
    });

    it('is not an API key’s to change', async () => {
      const viewer = await createAccount('pwd', ['viewer']);
      const key = await call('POST', '/api-keys', { token: viewer.accessToken }, { name: 'script' });
      const refused = await call(
        'PUT',
        '/auth/password',
        { token: key.body.key },
        { currentPassword: viewer.password, password: 'a brand new password' },
      );
      expect(refused.status).toBe(403);
      expect(await logsIn('pwd', viewer.password)).toBe(true);
    });

    it('needs the current one through the admin route on one’s own account; others’ resets stay as they were', async () => {
      const ada = await createAccount('pwe', ['admin']);
      const bob = await createAccount('pwf', ['viewer']);
      const own = (body: object) => call('PUT', `/users/${ada.id}/password`, { token: ada.accessToken }, body);
      const missing = await own({ password: 'ada new password' });
      expect(missing.status).toBe(400);
      expect(missing.body.errors).toEqual([
        { field: 'body.currentPassword', message: 'is required to change your own password' },
      ]);
      expect((await own({ password: 'ada new password', currentPassword: 'wrong' })).status).toBe(403);
      expect(await logsIn('pwe', ada.password)).toBe(true);
      expect((await own({ password: 'ada new password', currentPassword: ada.password })).status).toBe(204);
      expect(await logsIn('pwe', 'ada new password')).toBe(true);

      const reset = await call('PUT', `/users/${bob.id}/password`, { token: ada.accessToken }, { password: 'bob new password' });
      expect(reset.status).toBe(204);
      expect(await logsIn('pwf', 'bob new password')).toBe(true);
      expect((await refresh(bob.refreshToken)).statusCode).toBe(401);
    });
  });

  describe('sessions', () => {
    async function loginWith(username: string, password: string, userAgent: string) {
      const response = await users.app.inject({
        method: 'POST',
        url: '/auth/login',
        headers: { ...someClient(), 'user-agent': userAgent },
        payload: { username, password },
      });
      expect(response.statusCode).toBe(200);
      return {
        accessToken: response.json().accessToken as string,
        refreshToken: cookieValue(cookiesOf(response).flotilla_refresh),
      };
    }

    it('lists your sessions, marks this one, and ends the others or all of them', async () => {
      const account = await createAccount('sea', ['viewer']);
      const stranger = await createAccount('seb', ['viewer']);
      // createAccount signed in once already (as inject's own User-Agent); two more from named browsers.
      const laptop = await loginWith('sea', account.password, 'Laptop Browser/1.0');
      const phone = await loginWith('sea', account.password, 'Phone Browser/2.0');
      const asLaptop = { token: laptop.accessToken, refresh: laptop.refreshToken };

      const listed = await call('GET', '/auth/sessions', asLaptop);
      expect(listed.status).toBe(200);
      expect(listed.body.nextCursor).toBeNull();
      const sessions = listed.body.items as Array<Record<string, unknown>>;
      expect(sessions.map((s) => [s.userAgent, s.current])).toEqual([
        ['lightMyRequest', false],
        ['Laptop Browser/1.0', true],
        ['Phone Browser/2.0', false],
      ]);
      for (const session of sessions) {
        expect(Object.keys(session).sort()).toEqual(['createdAt', 'current', 'expiresAt', 'id', 'lastUsedAt', 'userAgent']);
        expect(Date.parse(String(session.lastUsedAt))).toBeGreaterThanOrEqual(Date.parse(String(session.createdAt)));
      }
      // Without its refresh cookie, no session is this one.
      const bare = await call('GET', '/auth/sessions', { token: laptop.accessToken });
      expect((bare.body.items as Array<{ current: boolean }>).some((s) => s.current)).toBe(false);

      // A page at a time; a refresh keeps the session's place and id.
      const rotated = await refresh(phone.refreshToken);
      expect(rotated.statusCode).toBe(200);
      const phoneRefresh = cookieValue(cookiesOf(rotated).flotilla_refresh);
      const first = await call('GET', '/auth/sessions?limit=2', asLaptop);
      expect(first.body.items.map((s: { id: string }) => s.id)).toEqual(sessions.slice(0, 2).map((s) => s.id));
      const second = await call('GET', `/auth/sessions?limit=2&cursor=${first.body.nextCursor}`, asLaptop);
      expect(second.body).toEqual({
        // The User-Agent is the one it last refreshed with (inject's own here).
        items: [expect.objectContaining({ id: sessions[2]?.id, userAgent: 'lightMyRequest' })],
        nextCursor: null,
      });

      const others = await call('DELETE', '/auth/sessions/others', asLaptop);
      expect(others.status).toBe(204);
      expect((await refresh(phoneRefresh)).statusCode).toBe(401);
      expect((await refresh(account.refreshToken)).statusCode).toBe(401);
      const laptopRotated = await refresh(laptop.refreshToken);
      expect(laptopRotated.statusCode).toBe(200);
      const laptopNow = cookieValue(cookiesOf(laptopRotated).flotilla_refresh);
      const left = await call('GET', '/auth/sessions', { token: laptop.accessToken, refresh: laptopNow });
      expect(left.body.items).toEqual([expect.objectContaining({ id: sessions[1]?.id, current: true })]);

      const all = await call('DELETE', '/auth/sessions', { token: laptop.accessToken, refresh: laptopNow });
      expect(all.status).toBe(204);
      expect(cookiesOf(all.response).flotilla_refresh).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/);
      expect((await refresh(laptopNow)).statusCode).toBe(401);
      expect((await call('GET', '/auth/sessions', { token: laptop.accessToken })).body.items).toEqual([]);

      // Someone else's sessions are not touched.
      expect((await refresh(stranger.refreshToken)).statusCode).toBe(200);
    });

    it('are not an API key’s to end', async () => {
      const account = await createAccount('sec', ['viewer']);
      const key = await call('POST', '/api-keys', { token: account.accessToken }, { name: 'script' });
      expect((await call('DELETE', '/auth/sessions', { token: key.body.key })).status).toBe(403);
      expect((await call('DELETE', '/auth/sessions/others', { token: key.body.key })).status).toBe(403);
      expect((await refresh(account.refreshToken)).statusCode).toBe(200);
    });
  });
});
