import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { Writable } from 'node:stream';
import type { ServiceApp } from '@flotilla/kit';
import { type Caller, startTestService, type TestDatabase, type TestService } from '@flotilla/kit/testing';
import { buildApp } from '../src/app.js';
import { loadUsersConfig } from '../src/config.js';

/** Every log line the app writes, as text, so tests can search it for secrets. */
export function logCapture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream, text: () => lines.join('\n') };
}

export const ADMIN_PASSWORD = 'correct horse battery staple';
/** What the gateway would send in X-Flotilla-Gateway; a secret, so it must never be logged. */
export const GATEWAY_SECRET = 'the gateway and users share this';

/**
 * The harness's callers. `admin` is the first admin, id 1 on the fresh database every suite
 * starts on; the others have no account, so they only ever meet the access check.
 */
export const CALLERS: Record<CallerName, Caller> = {
  admin: { userId: 1, username: 'admin', roles: ['admin'] },
  operator: { userId: 900_001, username: 'test-operator', roles: ['operator'] },
  viewer: { userId: 900_002, username: 'test-viewer', roles: ['viewer'] },
};

type CallerName = 'admin' | 'operator' | 'viewer';

export interface TestUsers extends TestService<ServiceApp, CallerName> {
  logs: ReturnType<typeof logCapture>;
  /** The private key the app signs with, so tests can forge expired or odd tokens. */
  signingKey: KeyObject;
}

/**
 * The users service on kit's test harness: a fresh database of `kind` (or `reuse`d: replicas),
 * the first admin's password known, the gateway's secret set, every log line captured.
 */
export async function startUsers(
  kind: 'pglite' | 'postgresql',
  env: Record<string, string> = {},
  options: { reuse?: TestDatabase; signingKey?: KeyObject } = {},
): Promise<TestUsers> {
  const signingKey = options.signingKey ?? generateKeyPairSync('ed25519').privateKey;
  const logs = logCapture();
  const service = await startTestService({
    kind,
    callers: CALLERS,
    ...(options.reuse ? { reuse: options.reuse } : {}),
    build: (database, keys) =>
      buildApp(
        loadUsersConfig({
          LOG_LEVEL: 'info',
          FLOTILLA_ADMIN_PASSWORD: ADMIN_PASSWORD,
          SIGNING_KEY: signingKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
          GATEWAY_SECRET,
          ...(database.url ? { DATABASE_URL: database.url } : {}),
          ...env,
        }),
        { logStream: logs.stream, accessKeys: keys },
      ),
  });
  return { ...service, logs, signingKey };
}

/** The Set-Cookie headers of a response, by cookie name. */
export function cookiesOf(response: { headers: Record<string, unknown> }): Record<string, string> {
  const raw = response.headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
  return Object.fromEntries(
    list.map((cookie: string) => {
      const name = cookie.slice(0, cookie.indexOf('='));
      return [name, cookie];
    }),
  );
}

/** The value of a cookie from its Set-Cookie header. */
export function cookieValue(setCookie: string | undefined): string {
  return setCookie?.split(';')[0]?.split('=').slice(1).join('=') ?? '';
}

/** Headers of a request the gateway forwarded for a client at `address`. */
export const viaGateway = (address: string) => ({
  'x-forwarded-for': address,
  'x-flotilla-gateway': GATEWAY_SECRET,
});

let clients = 0;
/** A fresh client address per login, so only the throttle tests meet the per-address limit. */
export const someClient = () => {
  clients += 1;
  return viaGateway(`10.0.${clients >> 8}.${clients & 255}`);
};

/** Logs in with a password, as the web app does; the tokens and cookies it got. */
export async function login(app: ServiceApp, username: string, password: string) {
  const response = await app.inject({
    method: 'POST',
    url: '/auth/login',
    headers: someClient(),
    payload: { username, password },
  });
  if (response.statusCode !== 200)
    throw new Error(`login ${username}: ${response.statusCode} ${response.body}`);
  const cookies = cookiesOf(response);
  return {
    accessToken: response.json().accessToken as string,
    refreshToken: cookieValue(cookies.flotilla_refresh),
    body: response.json(),
    cookies,
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
