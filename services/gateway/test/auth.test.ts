import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { SESSION_COOKIE, type ServiceApp } from '@flotilla/kit';
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from '@flotilla/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp as buildUsers } from '../../users/src/app.js';
import { loadUsersConfig } from '../../users/src/config.js';
import { buildApp } from '../src/app.js';
import { loadGatewayConfig } from '../src/config.js';
import type { ServiceName } from '../src/routes.js';
import { startUpstream, tokenFor } from './upstream.js';

const ADMIN_PASSWORD = 'gateway test admin password';
const DOMAIN: ServiceName[] = ['fleet', 'translation', 'stats'];
const hasLanded = (name: ServiceName) =>
  existsSync(fileURLToPath(new URL(`../../${name}/src/app.ts`, import.meta.url)));
/** The domain services that have landed in this checkout; the rest are played by a fake upstream. */
const LANDED = DOMAIN.filter(hasLanded);

type Operations = Record<string, { 'x-flotilla-access'?: string }>;

/** A path of the document with its parameters filled in: a resource type, or an id. */
const concretePath = (path: string) => path.replace('{type}', 'cars').replace(/\{[^}]+\}/g, '1');

function logCapture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => lines.join('') };
}

async function listen(app: ServiceApp): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/**
 * A domain service as it is in the tree right now: built in-process when it has landed
 * (`src/app.ts` exporting buildApp and `src/config.ts` exporting a `load…Config(env)`), so these
 * tests cover each service from the day it lands. Undefined while it has not.
 */
async function buildLanded(name: ServiceName, env: Record<string, string>): Promise<ServiceApp | undefined> {
  const dir = fileURLToPath(new URL(`../../${name}/src/`, import.meta.url));
  if (!hasLanded(name)) return undefined;
  const appModule = (await import(`${dir}app.ts`)) as { buildApp?: (config: unknown) => Promise<ServiceApp> };
  const configModule = (await import(`${dir}config.ts`)) as Record<string, unknown>;
  const load = Object.entries(configModule).find(
    ([key, value]) => /^load\w*Config$/.test(key) && typeof value === 'function',
  )?.[1] as ((env: NodeJS.ProcessEnv) => unknown) | undefined;
  if (!appModule.buildApp || !load)
    throw new Error(`${name} has src/app.ts but no buildApp or load…Config export`);
  return appModule.buildApp(load(env));
}

describe.each(testDatabaseKinds())('gateway authentication with users on %s', (kind) => {
  let database: TestDatabase;
  let users: ServiceApp;
  let gateway: ServiceApp;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  const landed = new Map<ServiceName, { app: ServiceApp; url: string }>();
  let base: string;
  let admin: string;
  const gatewayLogs = logCapture();
  const usersLogs = logCapture();
  const secrets: string[] = [ADMIN_PASSWORD];

  const api = (path: string, init: RequestInit & { token?: string } = {}) => {
    const { token, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    if (rest.body && !headers.has('content-type')) headers.set('content-type', 'application/json');
    return fetch(`${base}${path}`, { ...rest, headers });
  };

  async function account(username: string, roles: string[]) {
    const password = `${username} password`;
    secrets.push(password);
    const created = await api('/api/users', {
      method: 'POST',
      token: admin,
      body: JSON.stringify({ username, roles, password }),
    });
    expect(created.status).toBe(201);
    const session = await api('/api/auth/login', {
      method: 'POST',
      body: JSON.stringify({ username, password }),
    });
    const { accessToken } = (await session.json()) as { accessToken: string };
    secrets.push(accessToken);
    return accessToken;
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    users = await buildUsers(
      loadUsersConfig({
        LOG_LEVEL: 'info',
        FLOTILLA_ADMIN_PASSWORD: ADMIN_PASSWORD,
        ...(database.url ? { DATABASE_URL: database.url, SIGNING_KEY: await testSigningKey() } : {}),
      }),
      { logStream: usersLogs.stream },
    );
    const usersUrl = await listen(users);
    const jwksUrl = `${usersUrl}/.well-known/jwks.json`;
    upstream = await startUpstream();
    for (const name of DOMAIN) {
      const app = await buildLanded(name, {
        PORT: '0',
        LOG_LEVEL: 'silent',
        USERS_URL: usersUrl,
        JWKS_URL: jwksUrl,
      });
      if (app) landed.set(name, { app, url: await listen(app) });
    }
    const url = (name: ServiceName) => landed.get(name)?.url ?? upstream.url;
    gateway = await buildApp(
      loadGatewayConfig({
        PORT: '0',
        LOG_LEVEL: 'info',
        USERS_URL: usersUrl,
        FLEET_URL: url('fleet'),
        TRANSLATION_URL: url('translation'),
        STATS_URL: url('stats'),
        WEB_DIR: '/nonexistent',
      }),
      { logStream: gatewayLogs.stream },
    );
    base = await listen(gateway);
    const login = await api('/api/auth/login', {
      method: 'POST',
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    const body = await login.text();
    if (login.status !== 200) {
      const errors = usersLogs
        .text()
        .split('\n')
        .filter((line) => line.includes('"level":50'));
      throw new Error(`admin login through the gateway: ${login.status} ${body}\n${errors.join('\n')}`);
    }
    admin = (JSON.parse(body) as { accessToken: string }).accessToken;
    secrets.push(admin);
  });

  afterAll(async () => {
    await gateway?.close();
    for (const { app } of landed.values()) await app.close();
    await users?.close();
    await upstream?.close();
    await database?.drop();
  });

  it('refuses every non-public route of the aggregated OpenAPI anonymously (401 problem+json)', async () => {
    const document = (await (await api('/openapi.json')).json()) as { paths: Record<string, Operations> };
    const checked = new Set<string>();
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations).map(([m, o]) => [m.toUpperCase(), o] as const)) {
        const concrete = concretePath(path);
        if (operation['x-flotilla-access'] === 'public') continue;
        const response = await api(concrete, {
          method,
          ...(method === 'GET' || method === 'HEAD' ? {} : { body: '{}' }),
        });
        expect(response.status, `${method} ${path}`).toBe(401);
        if (method !== 'HEAD')
          expect(response.headers.get('content-type'), `${method} ${path}`).toContain('problem+json');
        checked.add(`${method} ${path}`);
      }
    }
    // The users service's own routes are there, and so is every service that has landed.
    expect(checked).toContain('GET /api/auth/me');
    expect(checked).toContain('POST /create_user');
    expect(checked.size).toBeGreaterThanOrEqual(12);
  });

  // One test per service, so a failure names the service that still lets strangers in.
  it.each(['users', ...LANDED])('%s refuses its non-public routes when reached directly', async (service) => {
    const url =
      service === 'users'
        ? `http://127.0.0.1:${(users.server.address() as AddressInfo).port}`
        : (landed.get(service as ServiceName)?.url ?? '');
    {
      const document = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, Operations> };
      for (const [path, operations] of Object.entries(document.paths)) {
        const concrete = concretePath(path);
        for (const [method, operation] of Object.entries(operations).map(([m, o]) => [m.toUpperCase(), o] as const)) {
          if (operation['x-flotilla-access'] === 'public') continue;
          const response = await fetch(`${url}${concrete}`, {
            method,
            ...(method === 'GET' || method === 'HEAD'
              ? {}
              : { body: '{}', headers: { 'content-type': 'application/json' } }),
          });
          expect(response.status, `${service}: ${method} ${path} reached directly`).toBe(401);
        }
      }
    }
  });

  it('role matrix: viewer reads but cannot write, operator writes but cannot manage users, admin can', async () => {
    const viewer = await account('vee', ['viewer']);
    const operator = await account('opal', ['operator']);
    expect((await api('/api/auth/me', { token: viewer })).status).toBe(200);
    expect((await api('/api/users', { token: viewer })).status).toBe(403);
    expect((await api('/api/users', { token: operator })).status).toBe(403);
    expect((await api('/api/users', { token: admin })).status).toBe(200);

    const before = upstream.seen.length;
    const refused = await api('/api/cars', { method: 'POST', token: viewer, body: '{}' });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ status: 403, detail: 'this needs the operator role' });
    expect((await api('/api/sql', { method: 'POST', token: operator, body: '{}' })).status).toBe(403);
    expect(upstream.seen.length).toBe(before);
    // The operator's write passes the gateway (whatever fleet then says about the body).
    const write = await api('/api/cars', { method: 'POST', token: operator, body: '{}' });
    expect([401, 403]).not.toContain(write.status);
  });

  it('refuses tampered, expired and wrong-key tokens with 401', async () => {
    const [header, payload, signature] = admin.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, roles: ['admin'], sub: '2' })).toString('base64url')}.${signature}`;
    // Signed by a key the users service never published.
    const wrongKey = await tokenFor(['admin']);
    const expired = await tokenFor(['admin'], -60);
    for (const token of [tampered, wrongKey, expired, 'garbage']) {
      const response = await api('/api/users', { token });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('Bearer');
    }
  });

  it('accepts the session cookie, and refuses cookie-authenticated writes from another origin', async () => {
    const own = base.replace('http://', 'http://');
    const login = await api('/api/auth/login', {
      method: 'POST',
      headers: { origin: own },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const setCookies = login.headers.getSetCookie();
    const cookies = setCookies.map((c) => c.split(';')[0]).join('; ');
    secrets.push(...setCookies.map((c) => c.split(';')[0]?.split('=')[1] ?? ''));
    expect(setCookies.find((c) => c.startsWith('flotilla_refresh='))).toContain('Path=/api/auth');
    expect((await api('/api/auth/me', { headers: { cookie: cookies } })).status).toBe(200);

    const write = (headers: Record<string, string>) =>
      api('/api/api-keys', {
        method: 'POST',
        headers: { cookie: cookies, ...headers },
        body: '{"name":"from the browser"}',
      });
    expect((await write({})).status).toBe(403);
    expect((await write({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await write({ referer: 'https://evil.example/page' })).status).toBe(403);
    const allowed = await write({ origin: own });
    expect(allowed.status).toBe(201);
    secrets.push(((await allowed.json()) as { key: string }).key);

    // The refresh cookie works through the gateway's /api/auth path.
    const refreshed = await api('/api/auth/refresh', {
      method: 'POST',
      headers: { cookie: cookies, origin: own },
    });
    expect(refreshed.status).toBe(200);
    secrets.push(((await refreshed.json()) as { accessToken: string }).accessToken);
    secrets.push(...refreshed.headers.getSetCookie().map((c) => c.split(';')[0]?.split('=')[1] ?? ''));
  });

  it('accepts API keys, forwards only a verified JWT, and a revoked key stops working at once', async () => {
    const owner = await account('kay', ['operator']);
    const created = await api('/api/api-keys', { method: 'POST', token: owner, body: '{"name":"script"}' });
    const { key, id } = (await created.json()) as { key: string; id: number };
    secrets.push(key);
    expect((await api('/api/auth/me', { headers: { 'x-api-key': key } })).status).toBe(200);
    const me = await api('/api/auth/me', { token: key });
    expect(await me.json()).toMatchObject({ username: 'kay' });

    if (!landed.has('fleet')) {
      await api('/api/cars', { headers: { 'x-api-key': key, cookie: `${SESSION_COOKIE}=whatever` } });
      const seen = upstream.seen.at(-1)?.headers ?? {};
      expect(seen['x-api-key']).toBeUndefined();
      expect(seen.cookie).toBeUndefined();
      expect(seen.authorization).toMatch(/^Bearer ey[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(seen.authorization).not.toContain(key);
      secrets.push(seen.authorization?.slice(7) ?? '');
    }

    expect((await api(`/api/api-keys/${id}`, { method: 'DELETE', token: owner })).status).toBe(204);
    expect((await api('/api/auth/me', { headers: { 'x-api-key': key } })).status).toBe(401);
    expect((await api('/api/cars', { token: key })).status).toBe(401);
  });

  it('refuses an expired API key with 401 saying that it expired', async () => {
    const owner = await account('kit', ['viewer']);
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const created = await api('/api/api-keys', { method: 'POST', token: owner, body: JSON.stringify({ name: 'brief', expiresAt }) });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    secrets.push(key);
    expect((await api('/api/auth/me', { headers: { 'x-api-key': key } })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 100));
    const refused = await api('/api/cars', { headers: { 'x-api-key': key } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/expired at .*make a new one/);
  });

  it('never writes a password, token or key to either log', () => {
    const logs = gatewayLogs.text() + usersLogs.text();
    expect(logs).toContain('request completed');
    for (const secret of secrets.filter((s) => s.length > 8)) {
      expect(logs.includes(secret), 'a secret leaked into the log').toBe(false);
    }
  });
});

async function testSigningKey(): Promise<string> {
  const { generateKeyPairSync } = await import('node:crypto');
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}
