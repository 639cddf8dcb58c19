import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createService, type ServiceApp, socketAddress } from '@flotilla/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadGatewayConfig } from '../src/config.js';
import { closedPort, startUpstream, tokenFor } from './upstream.js';

const MiB = 1024 * 1024;
const SECRET = 'gateway-secret-for-the-test-0123456789';

/** A kit service standing in for fleet (1 MiB body limit), on a Unix socket as embedded. */
async function fleetStandIn(socketPath: string): Promise<ServiceApp> {
  const app = await createService({
    name: 'fleet',
    logLevel: 'silent',
    bodyLimit: MiB,
    routes(scope) {
      scope.post('/cars', { config: { access: 'public' } }, async (request) => ({
        received: JSON.stringify(request.body).length,
      }));
      scope.get('/cars', { config: { access: 'public' } }, async (request) => ({
        query: request.query,
        headers: request.headers,
      }));
      // Two events, then half of a third, then the process "dies".
      scope.get('/cars/events', { config: { access: 'public' } }, (request, reply) => {
        reply.hijack();
        const raw = reply.raw;
        raw.writeHead(200, { 'content-type': 'text/event-stream' });
        raw.write('event: progress\ndata: {"done":1}\n\n');
        raw.write('event: progress\ndata: {"done":2}\n\n');
        raw.write('event: progress\ndata: {"do');
        setTimeout(() => request.raw.socket.destroy(), 50);
      });
    },
  });
  await app.listen({ path: socketPath });
  return app;
}


/**
 * Writes raw requests on one keep-alive connection and collects what comes back until `count`
 * responses arrived (or the connection closed, or 20 s passed: a hang is a failure, not a wait).
 */
function onOneConnection(port: number, parts: Buffer[], count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    // A response's status line follows the previous body directly, not always a line break.
    const statuses = () => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1] ?? '');
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`stalled after ${JSON.stringify(statuses())}`));
    }, 20_000);
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (statuses().length >= count) {
        clearTimeout(timer);
        socket.destroy();
        resolve(statuses());
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(statuses());
    });
    void (async () => {
      for (const part of parts) {
        if (socket.destroyed) return;
        if (!socket.write(part)) await new Promise((r) => socket.once('drain', r));
      }
    })();
  });
}

let dir: string;
let users: Awaited<ReturnType<typeof startUpstream>>;
let fleet: ServiceApp;
let gateway: ServiceApp;
let port: number;
let token: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-gw-'));
  users = await startUpstream();
  fleet = await fleetStandIn(join(dir, 'fleet.sock'));
  token = await tokenFor(['operator']);
  const down = `http://127.0.0.1:${await closedPort()}`;
  gateway = await buildApp(
    loadGatewayConfig({
      LOG_LEVEL: 'silent',
      FLEET_URL: socketAddress(join(dir, 'fleet.sock')),
      USERS_URL: users.url,
      TRANSLATION_URL: down,
      STATS_URL: down,
      GATEWAY_SECRET: SECRET,
      WEB_DIR: '/nonexistent',
    }),
  );
  await gateway.listen({ port: 0, host: '127.0.0.1' });
  port = (gateway.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await gateway?.close();
  await fleet?.close();
  await users?.close();
  rmSync(dir, { recursive: true, force: true });
});

const post = (path: string, length: number) =>
  Buffer.from(
    `POST ${path} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`,
  );
const health = Buffer.from('GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n');

describe('answers given before the request body was read', () => {
  it('a service down: 503, and the next request on the same connection is answered', async () => {
    const body = Buffer.alloc(5 * MiB, 'x');
    expect(await onOneConnection(port, [post('/api/translate', body.length), body, health], 2)).toEqual([
      '503',
      '200',
    ]);
  });

  it("a body over the service's limit: the service's 413, and the connection stays usable", async () => {
    const body = Buffer.alloc(8 * MiB, 'x');
    expect(await onOneConnection(port, [post('/api/cars', body.length), body, health], 2)).toEqual([
      '413',
      '200',
    ]);
    const response = await fetch(`http://127.0.0.1:${port}/api/cars`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x'.repeat(3 * MiB) }),
    });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 413, limit: MiB });
  });

  it("a body over the gateway's own limit: 413 before anything is forwarded", async () => {
    const response = await fetch(`http://127.0.0.1:${port}/api/cars`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: Buffer.alloc(20 * MiB, 'x'),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { detail: string }).detail).toContain('at most 16777216 bytes');
  });

  it('a body within the limits still reaches the service over its socket', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/api/cars`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'y'.repeat(1000) }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: 1011 });
  });
});

describe('odd URLs', () => {
  it('passes a malformed escape in the query on to the service instead of failing', async () => {
    const jwks = await fetch(`http://127.0.0.1:${port}/.well-known/jwks.json?%`);
    expect(jwks.status).toBe(200);
    const cars = await fetch(`http://127.0.0.1:${port}/api/cars?a=%E0%A4%A&b=1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(cars.status).toBe(200);
    expect(((await cars.json()) as { query: unknown }).query).toMatchObject({ b: '1' });
  });

  it('refuses a malformed escape in the path with 400', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/api/cars/%zz`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errors: [{ field: 'path' }] });
  });
});

describe('a stream cut by the service', () => {
  it('ends with an error event naming the service, after the whole events before it', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/api/cars/events`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text();
    const events = text.split('\n\n').filter(Boolean);
    expect(events.slice(0, 2)).toEqual(['event: progress\ndata: {"done":1}', 'event: progress\ndata: {"done":2}']);
    expect(events).toHaveLength(3);
    expect(events[2]).toMatch(/^event: error\ndata: /);
    const problem = JSON.parse(String(events[2]).split('data: ')[1] ?? '');
    expect(problem).toMatchObject({ status: 502, service: 'fleet' });
    expect(problem.detail).toContain('stopped before the stream was complete');
  });
});

describe('the gateway secret', () => {
  it('goes to users only, and a client cannot send its own', async () => {
    await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-flotilla-gateway': 'forged' },
      body: '{}',
    });
    expect(users.seen.at(-1)?.headers['x-flotilla-gateway']).toBe(SECRET);
    const cars = await fetch(`http://127.0.0.1:${port}/api/cars`, {
      headers: { authorization: `Bearer ${token}`, 'x-flotilla-gateway': 'forged' },
    });
    expect(((await cars.json()) as { headers: unknown }).headers).not.toHaveProperty('x-flotilla-gateway');
  });
});

describe('headers a client may send that the upstream client refuses', () => {
  it('Expect: 100-continue and hop-by-hop headers are answered here, never break a service', async () => {
    const send = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const request = httpRequest(
          { host: '127.0.0.1', port, path: '/api/cars', method: 'POST', headers },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        request.on('error', reject);
        request.end('{"a":1}');
      });
    const odd = {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      expect: '100-continue',
      'keep-alive': 'timeout=5',
      te: 'trailers',
    };
    // More than the gateway's 64 connections to the service: a leak would show as a hang.
    const statuses = [];
    for (let i = 0; i < 70; i += 1) statuses.push(await send(odd));
    expect(new Set(statuses)).toEqual(new Set([200]));
    expect(await send({ authorization: `Bearer ${token}`, 'content-type': 'application/json' })).toBe(200);
  });
});
