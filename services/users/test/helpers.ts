import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { Writable } from 'node:stream';
import type { ServiceApp } from '@flotilla/kit';
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

export interface TestUsers {
  app: ServiceApp;
  logs: ReturnType<typeof logCapture>;
  /** The private key the app signs with, so tests can forge expired or odd tokens. */
  signingKey: KeyObject;
}

export async function startUsers(
  url: string | undefined,
  env: Record<string, string> = {},
): Promise<TestUsers> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const logs = logCapture();
  const config = loadUsersConfig({
    LOG_LEVEL: 'info',
    FLOTILLA_ADMIN_PASSWORD: ADMIN_PASSWORD,
    SIGNING_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    GATEWAY_SECRET,
    ...(url ? { DATABASE_URL: url } : {}),
    ...env,
  });
  const app = await buildApp(config, { logStream: logs.stream });
  return { app, logs, signingKey: privateKey };
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
