import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { ServiceApp } from '@flotilla/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadGatewayConfig } from '../src/config.js';
import { closedPort, startUpstream, tokenFor } from './upstream.js';
import generated from '../src/generated/openapi.json' with { type: 'json' };

interface OpenApi {
  info: { description: string };
  paths: Record<string, { get: { tags: string[]; responses: Record<string, { $ref?: string }> } }>;
  components: { schemas: Record<string, unknown> };
}


let upstream: Awaited<ReturnType<typeof startUpstream>>;
let gateway: ServiceApp;
let base: string;
/** Operator: enough for every fleet read and write these tests make. */
let auth: { authorization: string };
let admin: { authorization: string };

beforeAll(async () => {
  upstream = await startUpstream();
  auth = { authorization: `Bearer ${await tokenFor(['operator'])}` };
  admin = { authorization: `Bearer ${await tokenFor(['admin'])}` };
  const down = `http://127.0.0.1:${await closedPort()}`;
  const config = loadGatewayConfig({
    PORT: '0',
    LOG_LEVEL: 'silent',
    FLEET_URL: upstream.url,
    USERS_URL: upstream.url,
    TRANSLATION_URL: down,
    STATS_URL: down,
    UPSTREAM_TIMEOUT_MS: '400',
    WEB_DIR: '/nonexistent',
  });
  gateway = await buildApp(config);
  await gateway.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

describe('gateway routing', () => {
  it('forwards /api paths without the /api prefix, keeping the query', async () => {
    const response = await fetch(`${base}/api/cars/5/allocations?from=2026-01-01T00:00:00Z`, {
      headers: auth,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      method: 'GET',
      url: '/cars/5/allocations?from=2026-01-01T00:00:00Z',
    });
  });

  it("forwards note 003's root paths unchanged", async () => {
    const response = await fetch(`${base}/create_user?userid=1&username=John`, {
      method: 'POST',
      headers: admin,
    });
    expect(await response.json()).toMatchObject({
      method: 'POST',
      url: '/create_user?userid=1&username=John',
    });
  });

  it('answers an unknown API path with a 404 problem, without calling any service', async () => {
    const before = upstream.seen.length;
    const response = await fetch(`${base}/api/spaceships`, { headers: auth });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(upstream.seen.length).toBe(before);
  });

  it('forwards the caller’s request id, or the one it generated', async () => {
    await fetch(`${base}/api/cars`, { headers: { ...auth, 'x-request-id': 'trace-me-42' } });
    expect(upstream.seen.at(-1)?.headers['x-request-id']).toBe('trace-me-42');
    const response = await fetch(`${base}/api/cars`, { headers: auth });
    const generated = response.headers.get('x-request-id');
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    expect(upstream.seen.at(-1)?.headers['x-request-id']).toBe(generated);
  });
});

describe('gateway streaming', () => {
  it('streams a large request body through, byte for byte', async () => {
    const body = randomBytes(12 * 1024 * 1024);
    const response = await fetch(`${base}/api/cars`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      body,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      bytes: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
    });
  });

  it('streams a large response through', async () => {
    const response = await fetch(`${base}/api/cars/big`, { headers: auth });
    expect((await response.arrayBuffer()).byteLength).toBe(20 * 1024 * 1024);
  });
});

describe('gateway faults', () => {
  it('answers 503 naming the service when it is down', async () => {
    const response = await fetch(`${base}/api/translations`, { headers: auth });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    const problem = (await response.json()) as { status: number; service: string; detail: string };
    expect(problem).toMatchObject({ status: 503, service: 'translation' });
    expect(problem.detail).toContain('translation service is unavailable');
  });

  it('answers 504 naming the service when it is too slow', async () => {
    const response = await fetch(`${base}/api/cars/slow`, { headers: auth });
    expect(response.status).toBe(504);
    const problem = (await response.json()) as { status: number; service: string; detail: string };
    expect(problem).toMatchObject({ status: 504, service: 'fleet' });
    expect(problem.detail).toContain('did not answer within 400 ms');
  });

  it('counts upstream requests per service and status', async () => {
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(
      /gateway_upstream_requests_total\{[^}]*service="fleet"[^}]*status_code="504"[^}]*\} 1/,
    );
    expect(metrics).toMatch(
      /gateway_upstream_requests_total\{[^}]*service="translation"[^}]*status_code="503"/,
    );
  });
});

describe('gateway documents and pages', () => {
  it('serves the merged document generated from the services’ declarations', async () => {
    const document = (await (await fetch(`${base}/openapi.json`)).json()) as OpenApi;
    expect(document).toEqual(generated);
    expect(document.paths['/api/{type}']?.get.tags[0]).toBe('fleet');
    expect(Object.keys(document.paths).some((path) => path.includes('internal'))).toBe(false);
  });

  it('serves Swagger UI at /docs with the merged document, keeping authorisation across reloads', async () => {
    const page = await fetch(`${base}/docs/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger');
    const spec = (await (await fetch(`${base}/docs/json`)).json()) as OpenApi;
    expect(spec).toEqual(generated);
    const init = await (await fetch(`${base}/docs/static/swagger-initializer.js`)).text();
    expect(init).toContain('"persistAuthorization":true');
  });

  it('serves the web app for page routes and problem 404s for other paths', async () => {
    const page = await fetch(`${base}/fleet/cars`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Flotilla</title>');
    const missing = await fetch(`${base}/favicon-nope.png`);
    expect(missing.status).toBe(404);
  });
});
