import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLocalJWKSet, exportJWK, type JWTVerifyGetKey, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ACCESS_TOKEN,
  createService,
  hasRole,
  principalOf,
  type ServiceApp,
  verifyAccess,
  verifyAccessToken,
} from '../src/index.js';

const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
const { privateKey } = generateKeyPairSync('ed25519');

async function jwksOf(key: KeyObject) {
  return { keys: [{ ...(await exportJWK(createPublicKey(key))), kid: 'k1', alg: 'EdDSA' }] };
}

function token(roles: string[], options: { key?: KeyObject; exp?: number; typ?: string; iss?: string } = {}) {
  return new SignJWT({ username: 'ada', roles })
    .setProtectedHeader({ alg: 'EdDSA', kid: 'k1', typ: options.typ ?? ACCESS_TOKEN.type })
    .setIssuer(options.iss ?? ACCESS_TOKEN.issuer)
    .setAudience(ACCESS_TOKEN.audience)
    .setSubject('42')
    .setIssuedAt()
    .setExpirationTime(options.exp ?? Math.floor(Date.now() / 1000) + 300)
    .sign(options.key ?? privateKey);
}

let app: ServiceApp | undefined;
let jwksServer: Server | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  await new Promise((resolve) => (jwksServer ? jwksServer.close(resolve) : resolve(undefined)));
  jwksServer = undefined;
});

async function build(access: { keys?: JWTVerifyGetKey; jwksUrl?: string }) {
  app = await createService({
    name: 'demo',
    logStream: silent,
    routes(scope) {
      scope.addHook('onRequest', verifyAccess(access));
      scope.get('/things', { config: { access: 'viewer' } }, async (request) => principalOf(request));
      scope.post('/things', { config: { access: 'operator' } }, async () => ({ created: true }));
      scope.get('/open', { config: { access: 'public' } }, async () => ({ open: true }));
      scope.delete('/things/:id', { config: { access: 'admin' } }, async () => ({ deleted: true }));
    },
  });
  return app;
}

const localKeys = async () => createLocalJWKSet(await jwksOf(privateKey));
const auth = (value: string) => ({ authorization: `Bearer ${value}` });

describe('verifyAccess', () => {
  it('refuses anonymous callers with a 401 problem and a Bearer challenge', async () => {
    const service = await build({ keys: await localKeys() });
    const response = await service.inject('/things');
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.headers['www-authenticate']).toContain('Bearer');
  });

  it('leaves health, readiness, metrics and OpenAPI public', async () => {
    const service = await build({ keys: await localKeys() });
    for (const url of ['/healthz', '/readyz', '/metrics', '/openapi.json']) {
      expect((await service.inject(url)).statusCode, url).toBe(200);
    }
  });

  it('lets a viewer read, exposes the principal, and needs operator to write', async () => {
    const service = await build({ keys: await localKeys() });
    const viewer = await token(['viewer']);
    const read = await service.inject({ url: '/things', headers: auth(viewer) });
    expect(read.json()).toEqual({ userId: 42, username: 'ada', roles: ['viewer'], via: 'password' });
    const write = await service.inject({ method: 'POST', url: '/things', headers: auth(viewer) });
    expect(write.statusCode).toBe(403);
    expect(write.json().detail).toBe('this needs the operator role');
    const operator = await token(['operator']);
    expect(
      (await service.inject({ method: 'POST', url: '/things', headers: auth(operator) })).statusCode,
    ).toBe(200);
  });

  it('enforces what each route declares next to itself', async () => {
    const service = await build({ keys: await localKeys() });
    expect((await service.inject('/open')).statusCode).toBe(200);
    const operator = await token(['operator']);
    const denied = await service.inject({ method: 'DELETE', url: '/things/1', headers: auth(operator) });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().detail).toBe('this needs the admin role');
    const admin = await token(['admin']);
    expect(
      (await service.inject({ method: 'DELETE', url: '/things/1', headers: auth(admin) })).statusCode,
    ).toBe(200);
  });

  it('refuses to start a service with a route that declares no access (fail closed)', async () => {
    await expect(
      createService({
        name: 'demo',
        logStream: silent,
        routes(scope) {
          scope.get('/forgotten', async () => ({ open: 'to anyone?' }));
        },
      }),
    ).rejects.toThrow(/route GET \/forgotten declares no access/);
  });

  it('documents each operation: its access, security, and the problems it can answer', async () => {
    const service = await build({ keys: await localKeys() });
    const document = (await service.inject('/openapi.json')).json();
    const remove = document.paths['/things/{id}'].delete;
    expect(remove['x-flotilla-access']).toBe('admin');
    expect(remove.security).toEqual([{ bearer: [] }, { apiKey: [] }]);
    expect(Object.keys(remove.responses).sort()).toEqual(['400', '401', '403', '404', '429', '503']);
    const open = document.paths['/open'].get;
    expect(open.security).toEqual([]);
    expect(Object.keys(open.responses)).not.toContain('401');
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(Object.keys(document.paths)).not.toContain('/healthz');
    // What the contract generator reads to build the gateway's routing and policy.
    expect(service.declaredRoutes).toContainEqual({ methods: ['DELETE'], url: '/things/:id', access: 'admin', expose: 'api' });
    expect(service.declaredRoutes).toContainEqual({ methods: ['GET'], url: '/healthz', access: 'public', expose: 'internal' });
  });

  it('refuses expired, wrong-key, tampered, wrong-type and wrong-issuer tokens with 401', async () => {
    const service = await build({ keys: await localKeys() });
    const good = await token(['admin']);
    const [h, p, s] = good.split('.');
    const claims = JSON.parse(Buffer.from(p ?? '', 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: '1' })).toString('base64url')}.${s}`;
    const bad = [
      await token(['admin'], { exp: Math.floor(Date.now() / 1000) - 10 }),
      await token(['admin'], { key: generateKeyPairSync('ed25519').privateKey }),
      tampered,
      await token(['admin'], { typ: 'JWT' }),
      await token(['admin'], { iss: 'someone-else' }),
    ];
    expect((await service.inject({ url: '/things', headers: auth(good) })).statusCode).toBe(200);
    for (const value of bad)
      expect((await service.inject({ url: '/things', headers: auth(value) })).statusCode).toBe(401);
  });

  it('refuses API keys where no resolver is given (they are exchanged at the gateway)', async () => {
    const service = await build({ keys: await localKeys() });
    const response = await service.inject({ url: '/things', headers: { 'x-api-key': 'flk_abc' } });
    expect(response.statusCode).toBe(401);
  });

  it('fetches the key set from a JWKS URL, and answers 503 while it is unreachable', async () => {
    const jwks = await jwksOf(privateKey);
    jwksServer = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(jwks));
    });
    await new Promise<void>((resolve) => jwksServer?.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
    const service = await build({ jwksUrl: url });
    expect(
      (await service.inject({ url: '/things', headers: auth(await token(['viewer'])) })).statusCode,
    ).toBe(200);
    await app?.close();

    const down = await build({ jwksUrl: 'http://127.0.0.1:1/.well-known/jwks.json' });
    const response = await down.inject({ url: '/things', headers: auth(await token(['viewer'])) });
    expect(response.statusCode).toBe(503);
  });

  it('orders roles viewer < operator < admin', () => {
    expect(hasRole(['admin'], 'operator')).toBe(true);
    expect(hasRole(['operator'], 'admin')).toBe(false);
    expect(hasRole(['viewer', 'operator'], 'operator')).toBe(true);
    expect(hasRole(['superuser'], 'viewer')).toBe(false);
  });
});

describe('verified tokens are remembered until they expire', () => {
  /** A key resolver that counts the signature checks it serves. */
  async function countingKeys() {
    const keys = createLocalJWKSet(await jwksOf(privateKey));
    const counted = { calls: 0 };
    const resolver: JWTVerifyGetKey = (header, input) => {
      counted.calls++;
      return keys(header, input);
    };
    return { resolver, counted };
  }

  it('checks a token once, then answers from memory with the same principal', async () => {
    const { resolver, counted } = await countingKeys();
    const jwt = await token(['operator']);
    const first = await verifyAccessToken(jwt, resolver);
    const again = await verifyAccessToken(jwt, resolver);
    expect(again).toEqual(first);
    expect(first).toMatchObject({ userId: 42, username: 'ada', roles: ['operator'] });
    expect(counted.calls).toBe(1);
  });

  it('refuses a token changed by one byte after the original was remembered', async () => {
    const { resolver } = await countingKeys();
    const jwt = await token(['admin']);
    await verifyAccessToken(jwt, resolver);
    const last = jwt.at(-2) === 'A' ? 'B' : 'A';
    const tampered = `${jwt.slice(0, -2)}${last}${jwt.slice(-1)}`;
    await expect(verifyAccessToken(tampered, resolver)).rejects.toMatchObject({ status: 401 });
  });

  it('says "expired" once the remembered token expires', async () => {
    const { resolver, counted } = await countingKeys();
    const jwt = await token(['viewer'], { exp: Math.floor(Date.now() / 1000) + 1 });
    await verifyAccessToken(jwt, resolver);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await expect(verifyAccessToken(jwt, resolver)).rejects.toMatchObject({
      status: 401,
      detail: expect.stringContaining('expired'),
    });
    expect(counted.calls).toBe(2);
  });

  it('remembers per key set: a token one set verified is checked anew against another', async () => {
    const { resolver } = await countingKeys();
    const jwt = await token(['viewer']);
    await verifyAccessToken(jwt, resolver);
    const { privateKey: other } = generateKeyPairSync('ed25519');
    const foreign = createLocalJWKSet(await jwksOf(other));
    await expect(verifyAccessToken(jwt, foreign)).rejects.toMatchObject({ status: 401 });
  });
});
